-- Takes several parts all or nothing, in one atomic step: each part is one key's state under its
-- own limits (a limiter's), and the parts are admitted together or not at all.
--
-- KEYS  every part's state keys, one per limit in the part's limit order: part 1's, then part 2's
-- ARGV  [1] 'a' to take every part when all admit, 'c' to check (evaluate, take nothing)
--       [2] milliseconds added to every TTL (caller clock skew allowance)
--       [3] now in microseconds ('' for the server's TIME)
--       then per part: permits, nlimits, then per limit: algorithm code, count, period (us), burst
--         (a calendar window's period: the windows it may be in, as decide.lua takes it)
-- Reply per part, per limit: allowed (0/1), remaining, resetAfter (us), retryAfter (us, -1 for
--       never). When every part admits and ARGV[1] is 'a', each part's decision after taking
--       its permits. Otherwise nothing is written: every part that does not admit reports its
--       denial, every other part its zero-permit check of the state as it was before the call.
--
-- Parts are evaluated in order, each on the state the parts before it would leave (a key in two
-- parts is charged for both). Every written key expires when its state would equal "no state".
local take = ARGV[1] == 'a'
local margin = tonumber(ARGV[2])
local now = call_time(ARGV[3])

local parts, a, kb = {}, 4, 0
while a <= #ARGV do
  local k, nl = tonumber(ARGV[a]), tonumber(ARGV[a + 1])
  local limits = {}
  for i = 1, nl do
    local base = a + 2 + (i - 1) * 4
    limits[i] = limit_of(tonumber(ARGV[base]), tonumber(ARGV[base + 1]), ARGV[base + 2],
      tonumber(ARGV[base + 3]))
  end
  parts[#parts + 1] = {k = k, limits = limits, kbase = kb}
  kb = kb + nl
  a = a + 2 + nl * 4
end

-- States as stored (false: none), decoded once per key; the states the parts taken so far
-- would leave.
local stored, proposed, ttl, owner = {}, {}, {}, {}
local function state(key, L)
  local s = stored[key]
  if s == nil then
    local v = redis.call('GET', key)
    if v then s = L.alg.decode(v) else s = false end
    stored[key] = s
  end
  local p = proposed[key]
  if p ~= nil then return p end
  return s
end

local results, all = {}, true
for j = 1, #parts do
  local P = parts[j]
  local res, ok = {}, true
  for i = 1, #P.limits do
    local L = P.limits[i]
    local x = {L.alg.eval(state(KEYS[P.kbase + i], L), now, P.k, L)}
    res[i] = x
    if x[1] == 0 then ok = false end
  end
  if ok and P.k > 0 then
    for i = 1, #P.limits do
      local key, L, x = KEYS[P.kbase + i], P.limits[i], res[i]
      proposed[key] = L.alg.commit(state(key, L), now, P.k, L, x[5], x[6], x[7])
      ttl[key] = x[3]
      owner[key] = L.alg
    end
  end
  P.ok = ok
  results[j] = res
  if not ok then all = false end
end

local out, o = {}, 0
for j = 1, #parts do
  local P = parts[j]
  local res = results[j]
  if P.ok and not (all and take) then
    -- refused elsewhere (or a check): this part reports its state as it was, taking nothing
    for i = 1, #P.limits do
      local L = P.limits[i]
      local s = stored[KEYS[P.kbase + i]]
      res[i] = {L.alg.eval(s, now, 0, L)}
    end
  end
  for i = 1, #P.limits do
    local x = res[i]
    out[o + 1], out[o + 2], out[o + 3], out[o + 4] = x[1], x[2], x[3], x[4]
    o = o + 4
  end
end

if all and take then
  for key, t in pairs(ttl) do
    if t > 0 then
      redis.call('SET', key, owner[key].encode(proposed[key]), 'PX', idiv(t + 999, 1000) + margin)
    else
      redis.call('DEL', key)
    end
  end
end
return out
