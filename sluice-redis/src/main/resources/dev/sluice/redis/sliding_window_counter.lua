-- SLIDING_WINDOW_COUNTER (code 5), a port of dev.sluice.internal.SlidingWindowCounter. State
-- {windowStart, previous, current};
-- estimate ceil(previous x (period - elapsed) / period) + current.

-- Times are taken relative to now (ws = w - now) so that they stay far below 2^53.
local function swc_reset(ws, prev, curr, p)
  if curr > 0 then return ws + 2 * p end
  if prev > 0 then return ws + p end
  return 0
end

-- The first instant the request fits, if nothing else is admitted meanwhile.
local function swc_retry(ws, prev, curr, k, c, p)
  local room = c - curr - k
  if room >= 0 and prev > 0 then
    -- In this window: need ceil(prev x (w + p - t) / p) <= room (here room < prev).
    local back = muldiv_floor(room, p, prev)
    if back > 0 then
      return math.max(ws + p - back, 0)
    end
  end
  -- In the next window the current count becomes the previous one.
  local e = 0
  if curr ~= 0 and c - k < curr then
    e = math.max(0, p - muldiv_floor(c - k, p, curr))
  end
  return ws + p + e
end

ALG[5] = {
  decode = decode3,
  encode = encode3,
  commit = function(s, now, k, L, p1, p2, p3) return {p1, p2, p3} end,
  eval = function(s, now, k, L)
    local c, p = L.c, L.p
    local w = now - fmod(now, p)
    local prev, curr = 0, 0
    if s then
      if s[1] >= w then
        w, prev, curr = s[1], s[2], s[3]
      elseif s[1] == w - p then
        prev = s[3]
      end
    end
    local elapsed = math.max(0, now - w)
    local weighted = 0
    if prev ~= 0 then
      weighted = muldiv_ceil(prev, p - elapsed, p)
    end
    local ws = w - now
    if k > c then
      return 0, math.max(0, c - weighted - curr), swc_reset(ws, prev, curr, p), NEVER
    elseif weighted + curr + k <= c or k == 0 then
      curr = curr + k
      return 1, math.max(0, c - weighted - curr), swc_reset(ws, prev, curr, p), 0, w, prev, curr
    end
    return 0, math.max(0, c - weighted - curr), swc_reset(ws, prev, curr, p),
        swc_retry(ws, prev, curr, k, c, p)
  end,
  -- Counts k > 0 past the limit in the current window, at most twice the count. New state.
  past = function(s, now, k, L)
    local p = L.p
    local w = now - fmod(now, p)
    local prev, curr = 0, 0
    if s then
      if s[1] >= w then
        w, prev, curr = s[1], s[2], s[3]
      elseif s[1] == w - p then
        prev = s[3]
      end
    end
    return {w, prev, add_capped(curr, k, L.c)}
  end,
  -- What the key hands over when its limits change (Transition.carry): both counts as seen from
  -- now's window, and the estimate they make now. Nil: nothing used.
  carry = function(s, now, L)
    if not s then return nil end
    local p = L.p
    local w = now - fmod(now, p)
    local prev, curr = 0, 0
    if s[1] >= w then
      w, prev, curr = s[1], s[2], s[3]
    elseif s[1] == w - p then
      prev = s[3]
    end
    local weighted = 0
    if prev ~= 0 then weighted = muldiv_ceil(prev, p - math.max(0, now - w), p) end
    if weighted + curr <= 0 then return nil end
    return {used = weighted + curr, prev = prev, curr = curr, p = p}
  end,
  -- The state taken from a carry (Transition.adopt): both counts kept when the period is
  -- unchanged, else the estimate counted in the current window.
  adopt = function(x, now, L)
    if x.p == L.p then
      local cap = math.min(2 * L.c, TWO53 - 1)
      return {now - fmod(now, L.p), math.min(x.prev, cap), math.min(x.curr, cap)}
    end
    return L.alg.past(false, now, x.used, L)
  end,
  -- Gives k > 0 back to the current window's count when the stored window is the current one
  -- (or a later one); the previous count is untouched. Nil: unchanged.
  refund = function(s, now, k, L)
    if not s or s[1] < now - fmod(now, L.p) or s[3] <= 0 then return nil end
    return {s[1], s[2], math.max(0, s[3] - k)}
  end,
}
