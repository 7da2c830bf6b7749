-- SLIDING_WINDOW_LOG (code 4), a port of dev.sluice.internal.SlidingWindowLog. State: the admitted
-- requests {t1, n1, t2, n2, ...} in time order, packed as doubles; requests admitted in the same
-- microsecond share an entry, so a key holds at most count entries. Expired entries are dropped
-- when the key is next written.

local function swl_first_live(s, now, p)
  local i, n = 1, #s
  while i <= n and s[i] <= now - p do i = i + 2 end
  return i
end

local function swl_commit(s, now, k, L)
  local out, n = {}, 0
  if s then
    for i = swl_first_live(s, now, L.p), #s, 2 do
      out[n + 1], out[n + 2] = s[i], s[i + 1]
      n = n + 2
    end
  end
  if n > 0 and out[n - 1] >= now then -- same microsecond (or clock went back): merge
    out[n] = out[n] + k
  else
    out[n + 1], out[n + 2] = now, k
  end
  return out
end

ALG[4] = {
  decode = function(v)
    local s, n, pos = {}, 0, 1
    local len = #v
    while pos < len do
      local t, k
      t, k, pos = struct.unpack('<dd', v, pos)
      s[n + 1], s[n + 2] = t, k
      n = n + 2
    end
    return s
  end,
  encode = function(s)
    local parts = {}
    for i = 1, #s, 2 do
      parts[#parts + 1] = struct.pack('<dd', s[i], s[i + 1])
    end
    return table.concat(parts)
  end,
  commit = swl_commit,
  eval = function(s, now, k, L)
    local c, p = L.c, L.p
    local used, first, n, newest = 0, 1, 0, nil
    if s then
      n = #s
      first = swl_first_live(s, now, p)
      for i = first, n, 2 do used = used + s[i + 1] end
      if first <= n then newest = s[n - 1] end
    end
    local reset = 0
    if newest then reset = math.max(0, newest + p - now) end
    if k > c then
      return 0, math.max(0, c - used), reset, NEVER
    elseif used + k <= c or k == 0 then
      if k == 0 then return 1, math.max(0, c - used), reset, 0 end
      return 1, c - used - k, math.max(now, newest or now) + p - now, 0
    end
    local need, freed, retry = used + k - c, 0, 0
    for i = first, n, 2 do
      freed = freed + s[i + 1]
      if freed >= need then
        retry = s[i] + p - now
        break
      end
    end
    return 0, math.max(0, c - used), reset, retry
  end,
  -- Logs k > 0 at now, the window's permits held to twice the count: a new entry while the
  -- window has room (fewer than count permits), else merged into the newest entry, moved to now
  -- (as SlidingWindowLog.past). New state.
  -- What the key hands over when its limits change (Transition.carry): the log itself. Nil:
  -- nothing in the window.
  carry = function(s, now, L)
    if not s then return nil end
    local used = 0
    for i = swl_first_live(s, now, L.p), #s, 2 do used = used + s[i + 1] end
    if used <= 0 then return nil end
    return {used = used, log = s}
  end,
  -- The state taken from a carry (Transition.adopt): the log, its times kept.
  adopt = function(x, now, L) return x.log end,
  past = function(s, now, k, L)
    local c, p = L.c, L.p
    local used = 0
    if s then
      for i = swl_first_live(s, now, p), #s, 2 do used = used + s[i + 1] end
    end
    local taken = add_capped(used, k, c) - used
    if not s or used < c then return swl_commit(s, now, taken, L) end
    local out, m = {}, 0
    for i = swl_first_live(s, now, p), #s, 2 do
      out[m + 1], out[m + 2] = s[i], s[i + 1]
      m = m + 2
    end
    if taken > 0 then
      out[m - 1] = math.max(now, out[m - 1])
      out[m] = out[m] + taken
    end
    return out
  end,
  -- Gives k > 0 back from the newest entries still in the window (time > now - p): an entry
  -- with at most the permits left to give is dropped, else reduced. Older entries are not
  -- touched. Nil: unchanged.
  refund = function(s, now, k, L)
    if not s then return nil end
    local n = #s
    if n == 0 or s[n - 1] <= now - L.p then return nil end
    local out = {}
    for i = 1, n do out[i] = s[i] end
    while n > 0 and k > 0 and out[n - 1] > now - L.p do
      local permits = out[n]
      if permits <= k then
        k = k - permits
        out[n], out[n - 1] = nil, nil
        n = n - 2
      else
        out[n] = permits - k
        k = 0
      end
    end
    return out
  end,
}
