-- GCRA (code 2), a port of dev.sluice.internal.Gcra. State {tat, tatFraction, 0}: the theoretical
-- arrival time tat + tatFraction / count. Admits k when max(tat, now) + k x T - now <= burst x T.
-- A reservation in debt moves tat beyond now + burst x T.

-- floor((b x T - d) / T): whole permits a request could still take now.
local function gcra_remaining(L, dm, df)
  local tm, tf = times(L.b, L.c, L.q, L.r)
  local m, f = tm - dm, tf - df
  if f < 0 then
    f = f + L.c
    m = m - 1
  end
  if m < 0 then return 0 end
  return floor_div_t(m, f, L.b, L.c, L.q, L.r)
end

ALG[2] = {
  decode = decode3,
  encode = encode3,
  commit = function(s, now, k, L, p1, p2, p3) return {p1, p2, p3} end,
  eval = function(s, now, k, L)
    local c, b, q, r = L.c, L.b, L.q, L.r
    local xm, xf = now, 0
    if s and cmp(s[1], s[2], now, 0) > 0 then
      xm, xf = s[1], s[2]
    end
    local dm, df = xm - now, xf -- debt d = x - now >= 0
    if k > b then
      return 0, gcra_remaining(L, dm, df), ceilt(dm, df), NEVER
    end
    local am, af = times(b - k, c, q, r) -- d may be at most (b - k) x T
    if k == 0 then -- a pure check: always allowed, even with debt left by a clock that moved back
      return 1, gcra_remaining(L, dm, df), ceilt(dm, df), 0
    end
    if cmp(dm, df, am, af) <= 0 then
      local tm, tf = times(k, c, q, r)
      local nm, nf = dm + tm, df + tf
      if nf >= c then
        nf = nf - c
        nm = nm + 1
      end
      return 1, gcra_remaining(L, nm, nf), ceilt(nm, nf), 0, now + nm, nf, 0
    end
    local rm, rf = dm - am, df - af
    if rf < 0 then
      rf = rf + c
      rm = rm - 1
    end
    return 0, gcra_remaining(L, dm, df), ceilt(dm, df), ceilt(rm, rf)
  end,
  -- Takes k (0 < k <= b) in debt (the caller checked the wait): tat = max(tat, now) + k x T.
  -- Returns resetAfter and the state to commit.
  debt = function(s, now, k, L)
    local xm, xf = now, 0
    if s and cmp(s[1], s[2], now, 0) > 0 then
      xm, xf = s[1], s[2]
    end
    local tm, tf = times(k, L.c, L.q, L.r)
    local nm, nf = xm + tm, xf + tf
    if nf >= L.c then
      nf = nf - L.c
      nm = nm + 1
    end
    return ceilt(nm - now, nf), nm, nf, 0
  end,
  -- What the key hands over when its limits change (Transition.carry): the deficit,
  -- ceil(debt / T). Nil: nothing used.
  carry = function(s, now, L)
    if not s or cmp(s[1], s[2], now, 0) <= 0 then return nil end
    return {used = ceil_div_t(s[1] - now, s[2], TWO53, L.c, L.q, L.r)}
  end,
  -- Takes k > 0 past the limit: tat = max(tat, now) + k x T, the debt at most b x T + the
  -- longest exact wait (Gcra.past). New state.
  past = function(s, now, k, L)
    local c, b, q, r = L.c, L.b, L.q, L.r
    local dm, df = 0, 0
    if s and cmp(s[1], s[2], now, 0) > 0 then
      dm, df = s[1] - now, s[2]
    end
    local tm, tf = times(b, c, q, r)
    local xm, xf = tm + bucket_max_wait(L) - dm, tf - df
    if xf < 0 then
      xf = xf + c
      xm = xm - 1
    end
    local taken = 0
    if xm >= 0 then taken = floor_div_t(xm, xf, k, c, q, r) end
    if taken == 0 then
      if s then return s end
      return {0, 0, 0}
    end
    local km, kf = times(taken, c, q, r)
    local nm, nf = dm + km, df + kf
    if nf >= c then
      nf = nf - c
      nm = nm + 1
    end
    return {now + nm, nf, 0}
  end,
  -- Gives k > 0 back: tat' = max(now, tat - k x T). Nil: unchanged (no state); else the new
  -- state.
  refund = function(s, now, k, L)
    if not s or cmp(s[1], s[2], now, 0) <= 0 then return nil end
    local c, q, r = L.c, L.q, L.r
    if floor_div_t(s[1] - now, s[2], k, c, q, r) < k then return {now, 0, 0} end -- k x T > debt
    local km, kf = times(k, c, q, r)
    local xm, xf = tsub(s[1], s[2], km, kf, c)
    return {xm, xf, 0}
  end,
}
