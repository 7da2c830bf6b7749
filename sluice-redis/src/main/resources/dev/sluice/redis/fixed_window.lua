-- FIXED_WINDOW (code 3), a port of dev.sluice.internal.FixedWindow. State {windowStart, used, end}:
-- end is 0 for windows of p aligned to the epoch, the window's end for a calendar window.
-- A clock that moved back into an earlier window keeps counting in the stored (later) window.
--
-- A calendar window's limit carries L.bounds instead of a period: {start1, end1, start2, end2,
-- ...}, the windows the caller computed around its clock (the previous, current and next ones
-- with the server's time; each request's own with a caller clock), in time order. The window
-- holding now is picked among them. A now outside all of them (the client's clock and Redis's
-- more than a window apart) is an error: no window can be trusted, so nothing is counted and the
-- client answers by its failure policy.

local function calendar_window(b, now)
  for j = 1, #b, 2 do
    if now < b[j + 1] then
      if now >= b[j] then return b[j], b[j + 1] end
      break
    end
  end
  error('calendar window: the time ' .. string.format('%.0f', now)
    .. ' us is outside the windows the client computed (' .. string.format('%.0f', b[1])
    .. ' to ' .. string.format('%.0f', b[#b]) .. ' us): its clock and Redis\'s differ by more'
    .. ' than a window', 0)
end

-- The start and end of the window holding now.
local function window_of(L, now)
  if L.bounds then return calendar_window(L.bounds, now) end
  local w = now - fmod(now, L.p)
  return w, w + L.p
end

ALG[3] = {
  decode = decode3,
  encode = encode3,
  commit = function(s, now, k, L, p1, p2, p3) return {p1, p2, p3} end,
  eval = function(s, now, k, L)
    local c, p = L.c, L.p
    local w, e = window_of(L, now)
    local used = 0
    if s and s[1] >= w then
      if s[1] > w then -- a later window, left by a clock that went back
        if s[3] > 0 then e = s[3] else e = s[1] + p end
      end
      w, used = s[1], s[2]
    end
    local stored_end = 0
    if L.bounds then stored_end = e end
    e = e - now
    if k > c then
      if used > 0 then return 0, math.max(0, c - used), e, NEVER end
      return 0, c - used, 0, NEVER
    elseif used + k <= c or k == 0 then
      used = used + k
      if used > 0 then return 1, math.max(0, c - used), e, 0, w, used, stored_end end
      return 1, math.max(0, c - used), 0, 0, w, used, stored_end
    end
    return 0, math.max(0, c - used), e, e
  end,
  -- Counts k > 0 past the limit in the current window (or a later one a clock that went back
  -- left), at most twice the count. Returns the new state.
  past = function(s, now, k, L)
    local w, e = window_of(L, now)
    local used = 0
    if s and s[1] >= w then
      if s[1] > w then
        if s[3] > 0 then e = s[3] else e = s[1] + L.p end
      end
      w, used = s[1], s[2]
    end
    local stored_end = 0
    if L.bounds then stored_end = e end
    return {w, add_capped(used, k, L.c), stored_end}
  end,
  -- What the key hands over when its limits change (Transition.carry): the count of the window
  -- holding now (or of a later one). Nil: nothing used.
  carry = function(s, now, L)
    if not s or s[1] < window_of(L, now) or s[2] <= 0 then return nil end
    return {used = s[2]}
  end,
  -- Gives k > 0 back to the stored window when it is the current one (or a later one the clock
  -- went back from); permits counted in a window that is over are not returned. Nil: unchanged.
  refund = function(s, now, k, L)
    if not s or s[1] < window_of(L, now) or s[2] <= 0 then return nil end
    return {s[1], math.max(0, s[2] - k), s[3]}
  end,
}
