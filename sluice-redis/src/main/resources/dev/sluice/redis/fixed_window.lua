-- FIXED_WINDOW (code 3), a port of dev.sluice.internal.FixedWindow. State {windowStart, used, 0}.
-- A clock that moved back into an earlier window keeps counting in the stored (later) window.

ALG[3] = {
  decode = decode3,
  encode = encode3,
  commit = function(s, now, k, L, p1, p2, p3) return {p1, p2, p3} end,
  eval = function(s, now, k, L)
    local c, p = L.c, L.p
    local w = now - fmod(now, p)
    local used = 0
    if s and s[1] >= w then
      w, used = s[1], s[2]
    end
    local e = (w - now) + p
    if k > c then
      if used > 0 then return 0, c - used, e, NEVER end
      return 0, c - used, 0, NEVER
    elseif used + k <= c or k == 0 then
      used = used + k
      if used > 0 then return 1, math.max(0, c - used), e, 0, w, used, 0 end
      return 1, math.max(0, c - used), 0, 0, w, used, 0
    end
    return 0, c - used, e, e
  end,
  -- Gives k > 0 back to the stored window when it is the current one (or a later one the clock
  -- went back from); permits counted in a window that is over are not returned. Nil: unchanged.
  refund = function(s, now, k, L)
    if not s or s[1] < now - fmod(now, L.p) or s[2] <= 0 then return nil end
    return {s[1], math.max(0, s[2] - k), 0}
  end,
}
