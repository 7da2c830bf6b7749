-- Evaluates a batch of requests, in arrival order, against one set of limits; each request is
-- all-or-nothing over its limits and sees the state left by the requests before it.
--
-- KEYS  request j's state key for limit i at KEYS[(j - 1) * nlimits + i].
-- ARGV  [1] nlimits   [2] milliseconds added to every TTL (caller clock skew allowance)
--       then per limit: algorithm code, count, period (us), burst; for a calendar window
--         (FIXED_WINDOW with a calendar period) the period is the windows it may be in instead,
--         'start,end,start,end,...' (us, in time order: see fixed_window.lua)
--       then per request: now in microseconds ('' for the server's TIME), and the operation:
--         k        acquire k permits
--         -(m + 1) take up to m permits (dev.sluice.internal.UpTo): as many as every limit
--                  admits now, at most m; when none is available, the one-permit denial
--         r<k>:<w> reserve k permits for use within w us: bucket limits (token bucket, GCRA)
--                  may take them in debt when their wait is at most w (capped by exactness);
--                  window limits only admit what fits now
--         f<k>     refund k permits to every limit (nothing is created for a key without state)
--         p<k>     take k permits past the limit: every limit records them (within its bound),
--                  room or not; the reply is the zero-permit check after when every limit had
--                  room, else the one-permit denial after
--         h<k>:<t> hold k permits: acquire them and, when admitted, keep the hold key (the
--                  request's next hold key, see below) = k for t ms
--         s<a>     settle the hold (its hold key) at actual cost a, at most once: the hold key is
--                  replaced by a tombstone 's<estimate>' with the hold's remaining TTL, and the
--                  key is adjusted in the same call: refund (estimate - a) when a < estimate,
--                  take (a - estimate) past the limit as p does when a > estimate
--         x        reset: delete the key's state under these limits
-- KEYS  after every request's state keys, one hold key per h or s request, in request order.
-- Reply per request: for a take-up-to first the permits taken, for a reservation first the wait
--       (us, 0 unless admitted in debt), for a settle first the hold's estimate (settled now),
--       -1 (no such hold: never held or expired) or -(2 + estimate) (settled before); then per
--       limit: allowed (0/1), remaining, resetAfter
--       (us), retryAfter (us, -1 for never) of the decision (of the zero-permit check after a
--       refund, and of a settle that changed nothing or refunded). A reset answers nothing.
--
-- A request commits (writes every limit's new state) only when all its limits admit and it asks
-- for permits; each written key expires when its state would equal "no state".
local server_now
local function server_time()
  if not server_now then server_now = call_time('') end
  return server_now
end
local nl = tonumber(ARGV[1])
local margin = tonumber(ARGV[2])
local limits = {}
for i = 1, nl do
  local base = 2 + (i - 1) * 4
  limits[i] = limit_of(tonumber(ARGV[base + 1]), tonumber(ARGV[base + 2]), ARGV[base + 3],
    tonumber(ARGV[base + 4]))
end
local first = 3 + nl * 4
local cache, ttl, owner = {}, {}, {}
local out, o = {}, 0

-- The states of request j's keys (false: no state), read once per key and call. (The acquire
-- path below does the same inline.)
local function load_states(kbase)
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
  return states
end

-- Writes every limit's proposed state (the request was admitted and takes permits).
local function commit(kbase, now, k, res)
  for i = 1, nl do
    local key, L, x = KEYS[kbase + i], limits[i], res[i]
    cache[key] = L.alg.commit(cache[key], now, k, L, x[5], x[6], x[7])
    ttl[key] = x[3]
    owner[key] = L.alg
  end
end

local function reply(res)
  for i = 1, nl do
    local x = res[i]
    out[o + 1], out[o + 2], out[o + 3], out[o + 4] = x[1], x[2], x[3], x[4]
    o = o + 4
  end
end

-- Every limit's evaluation of k permits for request j (its keys from kbase): the states, the
-- per-limit results {allowed, remaining, resetAfter, retryAfter, proposal...}, and whether all
-- admit. (The acquire path below does the same inline.)
local function evaluate(kbase, now, k)
  local states = load_states(kbase)
  local res, all = {}, true
  for i = 1, nl do
    local L = limits[i]
    local a, rem, reset, retry, p1, p2, p3 = L.alg.eval(states[i], now, k, L)
    res[i] = {a, rem, reset, retry, p1, p2, p3}
    if a == 0 then all = false end
  end
  return states, res, all
end

-- Reservation: as acquire, except that a bucket limit denying only for lack of time admits in
-- debt when its wait (its retryAfter) is within w; admitted iff every limit admits.
local function reserve(kbase, now, k, w)
  local states, res, all = evaluate(kbase, now, k)
  local wait = 0
  if not all then
    local fits = true
    for i = 1, nl do
      local L, x = limits[i], res[i]
      if x[1] == 0 and not (L.alg.debt and x[4] ~= NEVER
          and x[4] <= math.min(w, bucket_max_wait(L))) then
        fits = false
        break
      end
    end
    if fits then
      for i = 1, nl do
        local L, x = limits[i], res[i]
        if x[1] == 0 then
          if x[4] > wait then wait = x[4] end
          local reset, p1, p2, p3 = L.alg.debt(states[i], now, k, L)
          res[i] = {1, 0, reset, 0, p1, p2, p3}
        end
      end
      all = true
    end
  end
  if all and k > 0 then commit(kbase, now, k, res) end
  out[o + 1] = wait
  o = o + 1
  reply(res)
end

-- Refund: every limit gives k back. When every limit's state then equals "no state" (its
-- zero-permit resetAfter is 0) the key's state is deleted, changed or not (as the memory backend
-- forgets the key); otherwise each changed limit is rewritten, its TTL recomputed from its new
-- state (the key's longest when its own is 0). Answers the zero-permit check afterwards.
local function past(kbase, now, k)
  local states = load_states(kbase)
  local fits = true
  for i = 1, nl do
    if limits[i].alg.eval(states[i], now, k, limits[i]) == 0 then fits = false end
  end
  if k > 0 then
    for i = 1, nl do
      local key, L = KEYS[kbase + i], limits[i]
      states[i] = L.alg.past(states[i], now, k, L)
      cache[key] = states[i]
      owner[key] = L.alg
    end
  end
  local res, longest = {}, 0
  for i = 1, nl do
    local L = limits[i]
    local a, rem, reset, retry = L.alg.eval(states[i], now, 0, L)
    res[i] = {a, rem, reset, retry}
    if reset > longest then longest = reset end
  end
  if k > 0 then
    for i = 1, nl do
      local t = res[i][3]
      if t == 0 then t = longest end
      ttl[KEYS[kbase + i]] = t
    end
  end
  if not fits then
    for i = 1, nl do
      local L = limits[i]
      local a, rem, reset, retry = L.alg.eval(states[i], now, 1, L)
      res[i] = {a, rem, reset, retry}
    end
  end
  reply(res)
end

local function refund(kbase, now, k)
  local states = load_states(kbase)
  local res, changed, longest = {}, {}, 0
  for i = 1, nl do
    local L = limits[i]
    if k > 0 then
      local s = L.alg.refund(states[i], now, k, L)
      if s ~= nil then
        states[i] = s
        changed[i] = true
      end
    end
    local a, rem, reset, retry = L.alg.eval(states[i], now, 0, L)
    res[i] = {a, rem, reset, retry}
    if reset > longest then longest = reset end
  end
  if k > 0 then
    for i = 1, nl do
      local key = KEYS[kbase + i]
      if longest == 0 then
        if states[i] then
          cache[key] = false
          ttl[key] = 0
        end
      elseif changed[i] then
        cache[key] = states[i]
        owner[key] = limits[i].alg
        local t = res[i][3]
        if t == 0 then t = longest end
        ttl[key] = t
      end
    end
  end
  reply(res)
end

-- Hold: an acquire that, when admitted, keeps the hold key (value: the estimate) for px ms.
local function hold(kbase, now, text, hkey, px)
  local k = tonumber(text)
  local _, res, all = evaluate(kbase, now, k)
  if all then
    if k > 0 then commit(kbase, now, k, res) end
    redis.call('SET', hkey, text, 'PX', px) -- as sent: exact
  end
  reply(res)
end

-- Settle: claims the hold (its key becomes a tombstone until the hold would have expired) and
-- adjusts the key by the difference; a missing or settled hold changes nothing.
local function settle(kbase, now, actual, hkey)
  local v = redis.call('GET', hkey)
  if not v then
    out[o + 1] = -1
    o = o + 1
    refund(kbase, now, 0)
    return
  end
  if string.sub(v, 1, 1) == 's' then
    out[o + 1] = -2 - tonumber(string.sub(v, 2))
    o = o + 1
    refund(kbase, now, 0)
    return
  end
  local estimate = tonumber(v)
  local left = redis.call('PTTL', hkey)
  if left > 0 then
    redis.call('SET', hkey, 's' .. v, 'PX', left)
  else
    redis.call('DEL', hkey)
  end
  out[o + 1] = estimate
  o = o + 1
  if actual < estimate then
    refund(kbase, now, estimate - actual)
  elseif actual > estimate then
    past(kbase, now, actual - estimate)
  else
    refund(kbase, now, 0)
  end
end

local nreq = (#ARGV - first + 1) / 2
local hk = nreq * nl -- the hold keys follow the state keys
for j = 1, (#ARGV - first + 1) / 2 do
  local arg = first + 2 * (j - 1)
  local op = ARGV[arg + 1]
  local k = tonumber(op)
  local kbase = (j - 1) * nl
  if not k then
    local kind = string.sub(op, 1, 1)
    if kind == 'x' then
      for i = 1, nl do
        local key = KEYS[kbase + i]
        cache[key] = false
        ttl[key] = 0
      end
    else
      local now = tonumber(ARGV[arg])
      if not now then now = server_time() end
      if kind == 'r' then
        local sep = string.find(op, ':', 2, true)
        reserve(kbase, now, tonumber(string.sub(op, 2, sep - 1)), tonumber(string.sub(op, sep + 1)))
      elseif kind == 'f' then
        refund(kbase, now, tonumber(string.sub(op, 2)))
      elseif kind == 'p' then
        past(kbase, now, tonumber(string.sub(op, 2)))
      elseif kind == 'h' then
        local sep = string.find(op, ':', 2, true)
        hk = hk + 1
        hold(kbase, now, string.sub(op, 2, sep - 1), KEYS[hk], string.sub(op, sep + 1))
      elseif kind == 's' then
        hk = hk + 1
        settle(kbase, now, tonumber(string.sub(op, 2)), KEYS[hk])
      else
        return redis.error_reply('unknown operation ' .. op)
      end
    end
  else
    -- acquire / take up to: the hot path, kept inline (no function calls per request)
    local now = tonumber(ARGV[arg])
    if not now then now = server_time() end
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
end
for key, t in pairs(ttl) do
  if t > 0 then
    redis.call('SET', key, owner[key].encode(cache[key]), 'PX', idiv(t + 999, 1000) + margin)
  else
    redis.call('DEL', key)
  end
end
return out
