-- Moves keys' states to changed limits (Backend.open(limits, predecessor)), once per key and
-- client, before the key's first decision under the new limits: for each pair of a limit and its
-- predecessor (the same algorithm, another state key), when the key has no state under the limit
-- and has some under the predecessor, the predecessor's state is converted (its algorithm's
-- carry, then adopt, by default the used permits counted as past counts them from no state:
-- dev.sluice.internal.Carry), written under the limit with the new state's TTL, and deleted.
--
-- KEYS  per key: its state keys under the np limits, then under their np predecessors
-- ARGV  [1] np  [2] milliseconds added to every TTL  [3] now in microseconds ('' for the
--       server's TIME), then per pair: the limit's algorithm code, count, period (us), burst,
--       then the predecessor's (a calendar window's period as decide.lua takes it)
-- Reply: {the number of states moved}.
local np = tonumber(ARGV[1])
local margin = tonumber(ARGV[2])
local now = call_time(ARGV[3])
local heirs, olds = {}, {}
for i = 1, np do
  local a = 3 + (i - 1) * 8
  heirs[i] = limit_of(tonumber(ARGV[a + 1]), tonumber(ARGV[a + 2]), ARGV[a + 3],
    tonumber(ARGV[a + 4]))
  olds[i] = limit_of(tonumber(ARGV[a + 5]), tonumber(ARGV[a + 6]), ARGV[a + 7],
    tonumber(ARGV[a + 8]))
end
local moved = 0
for j = 0, #KEYS / (2 * np) - 1 do
  for i = 1, np do
    local own, old = KEYS[j * 2 * np + i], KEYS[j * 2 * np + np + i]
    if redis.call('EXISTS', own) == 0 then
      local v = redis.call('GET', old)
      if v then
        redis.call('DEL', old)
        local L, P = heirs[i], olds[i]
        local x = P.alg.carry(P.alg.decode(v), now, P)
        if x then
          local s
          if L.alg.adopt then
            s = L.alg.adopt(x, now, L)
          else
            s = L.alg.past(false, now, x.used, L)
          end
          local _, _, reset = L.alg.eval(s, now, 0, L)
          if reset > 0 then
            redis.call('SET', own, L.alg.encode(s), 'PX', idiv(reset + 999, 1000) + margin)
            moved = moved + 1
          end
        end
      end
    end
  end
end
return {moved}
