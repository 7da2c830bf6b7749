-- Evaluates a batch of requests, in arrival order, against one set of limits; each request is
-- all-or-nothing over its limits and sees the state left by the requests before it.
--
-- KEYS  request j's state key for limit i at KEYS[(j - 1) * nlimits + i].
-- ARGV  [1] nlimits   [2] milliseconds added to every TTL (caller clock skew allowance)
--       then per limit: algorithm code, count, period (us), burst
--       then per request: now in microseconds ('' for the server's TIME), permits; permits
--       -(m + 1) asks to take up to m permits (dev.sluice.internal.UpTo): as many as every limit
--       admits now, at most m; when none is available, the one-permit denial.
-- Reply per request: for a take-up-to first the permits taken; then per limit: allowed (0/1),
--       remaining, resetAfter (us), retryAfter (us, -1 for never).
--
-- A request commits (writes every limit's new state) only when all its limits admit and it asks
-- for permits; each written key expires when its state would equal "no state".
local server_now
local function server_time()
  if not server_now then
    redis.replicate_commands() -- writes after TIME: replicate effects (default since Redis 5)
    local t = redis.call('TIME')
    server_now = tonumber(t[1]) * 1000000 + tonumber(t[2])
  end
  return server_now
end
local nl = tonumber(ARGV[1])
local margin = tonumber(ARGV[2])
local limits = {}
for i = 1, nl do
  local base = 2 + (i - 1) * 4
  local code = tonumber(ARGV[base + 1])
  local c, p = tonumber(ARGV[base + 2]), tonumber(ARGV[base + 3])
  local q = idiv(p, c)
  local r = p - q * c
  if code == 1 or code == 2 then
    -- Buckets keep fractions in lowest terms, 1/(c/g) of a µs (as Java's Rate).
    local g = gcd(p, c)
    c, r = c / g, r / g
  end
  limits[i] = {alg = ALG[code], c = c, p = p, b = tonumber(ARGV[base + 4]), q = q, r = r}
end
local first = 3 + nl * 4
local cache, ttl, owner = {}, {}, {}
local out, o = {}, 0
for j = 1, (#ARGV - first + 1) / 2 do
  local arg = first + 2 * (j - 1)
  local now = tonumber(ARGV[arg])
  if not now then now = server_time() end
  local k = tonumber(ARGV[arg + 1])
  local kbase = (j - 1) * nl
  local res = {}
  local all = true
  local states = {}
  for i = 1, nl do
    local key = KEYS[kbase + i]
    local s = cache[key]
    if s == nil then
      local v = redis.call('GET', key)
      if v then s = limits[i].alg.decode(v) else s = false end
      cache[key] = s
    end
    states[i] = s
  end
  local upto = k < 0
  if upto then
    -- a zero-permit evaluation's remaining is the largest request each limit admits now
    local max, avail = -k - 1, nil
    for i = 1, nl do
      local _, rem = limits[i].alg.eval(states[i], now, 0, limits[i])
      if avail == nil or rem < avail then avail = rem end
    end
    if avail <= 0 then k = 1 else k = math.min(max, avail) end
  end
  for i = 1, nl do
    local L = limits[i]
    local a, rem, reset, retry, p1, p2, p3 = L.alg.eval(states[i], now, k, L)
    res[i] = {a, rem, reset, retry, p1, p2, p3}
    if a == 0 then all = false end
  end
  if all and k > 0 then
    for i = 1, nl do
      local key, L, x = KEYS[kbase + i], limits[i], res[i]
      cache[key] = L.alg.commit(cache[key], now, k, L, x[5], x[6], x[7])
      ttl[key] = x[3]
      owner[key] = L.alg
    end
  end
  if upto then
    if all and k > 0 then out[o + 1] = k else out[o + 1] = 0 end
    o = o + 1
  end
  for i = 1, nl do
    local x = res[i]
    out[o + 1], out[o + 2], out[o + 3], out[o + 4] = x[1], x[2], x[3], x[4]
    o = o + 4
  end
end
for key, t in pairs(ttl) do
  if t > 0 then
    redis.call('SET', key, owner[key].encode(cache[key]), 'PX', idiv(t + 999, 1000) + margin)
  else
    redis.call('DEL', key)
  end
end
return out
