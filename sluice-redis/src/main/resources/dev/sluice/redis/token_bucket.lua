-- TOKEN_BUCKET (code 1), a port of dev.sluice.internal.TokenBucket. State {tokens, base,
-- baseFraction}: whole tokens, and the exact time base + baseFraction / count from which the next
-- token accrues. Times relative to now are computed first to stay far below 2^53. A reservation
-- in debt leaves tokens negative: the state is still TAT = base + (b - tokens) x T, GCRA's.

-- ceil((bm + bf/c) + (tm + tf/c)) - now
local function tb_ceil_sum_since(bm, bf, tm, tf, now, c)
  local m = (bm - now) + tm
  local f = bf + tf
  if f >= c then
    f = f - c
    m = m + 1
  end
  return ceilt(m, f)
end

local function tb_time_to_full(L, tokens, bm, bf, now)
  if tokens >= L.b then return 0 end
  local tm, tf = times(L.b - tokens, L.c, L.q, L.r)
  return math.max(0, tb_ceil_sum_since(bm, bf, tm, tf, now, L.c))
end

-- The bucket at now: tokens and base after the refill since the stored base, and the tokens
-- usable now (less any not yet accrued when the clock is behind the base).
local function tb_at(s, now, L)
  local c, b, q, r = L.c, L.b, L.q, L.r
  if not s or s[1] >= b then
    return b, now, 0, b
  end
  local tok = s[1]
  local lm, lf = s[2], s[3]
  if cmp(now, 0, lm, lf) <= 0 then
    -- the clock is at or behind the base: nothing accrued, and the tokens due between now
    -- and the base are not there yet (GCRA's debt)
    return tok, lm, lf, tok - ceil_div_t(lm - now, lf, tok + 1, c, q, r)
  end
  local em, ef = now - lm, 0
  if lf ~= 0 then
    em, ef = now - lm - 1, c - lf
  end
  local tm, tf = times(b - tok, c, q, r)
  if cmp(em, ef, tm, tf) >= 0 then
    return b, now, 0, b
  end
  local n = floor_div_t(em, ef, b - tok, c, q, r)
  tm, tf = times(n, c, q, r)
  tok = tok + n
  local bm, bf = lm + tm, lf + tf
  if bf >= c then
    bf = bf - c
    bm = bm + 1
  end
  return tok, bm, bf, tok
end

ALG[1] = {
  decode = decode3,
  encode = encode3,
  commit = function(s, now, k, L, p1, p2, p3) return {p1, p2, p3} end,
  eval = function(s, now, k, L)
    local b = L.b
    local tok, bm, bf, avail = tb_at(s, now, L)
    if k > b then
      return 0, math.max(0, avail), tb_time_to_full(L, tok, bm, bf, now), NEVER
    elseif k <= avail or k == 0 then
      tok = tok - k
      return 1, math.max(0, avail - k), tb_time_to_full(L, tok, bm, bf, now), 0, tok, bm, bf
    end
    local tm, tf = times(k - tok, L.c, L.q, L.r)
    return 0, math.max(0, avail), tb_time_to_full(L, tok, bm, bf, now),
      tb_ceil_sum_since(bm, bf, tm, tf, now, L.c)
  end,
  -- What the key hands over when its limits change (Transition.carry): the deficit, the tokens
  -- missing once the bucket is brought up to now. Nil: nothing used.
  carry = function(s, now, L)
    if not s then return nil end
    local tok = tb_at(s, now, L)
    if tok >= L.b then return nil end
    return {used = L.b - tok}
  end,
  -- Takes k (0 < k <= b) in debt (the caller checked the wait): tokens go below zero. Returns
  -- resetAfter and the state to commit.
  debt = function(s, now, k, L)
    local tok, bm, bf = tb_at(s, now, L)
    tok = tok - k
    return tb_time_to_full(L, tok, bm, bf, now), tok, bm, bf
  end,
  -- Takes k > 0 past the limit into debt, at most until the permits in debt are due the longest
  -- exact wait from now: base + (k - tokens) x T <= now + maxWait (TokenBucket.past). New state.
  past = function(s, now, k, L)
    local tok, bm, bf = tb_at(s, now, L)
    local xm, xf = now + bucket_max_wait(L) - bm, 0
    if bf ~= 0 then
      xm, xf = xm - 1, L.c - bf
    end
    local need = 0
    if xm >= 0 then need = floor_div_t(xm, xf, math.max(0, k - tok), L.c, L.q, L.r) end
    local taken = math.max(0, math.min(k, tok + need))
    return {tok - taken, bm, bf}
  end,
  -- Gives k > 0 back: TAT' = max(now, TAT - k x T), as GCRA (and as TokenBucket.refund). Nil:
  -- unchanged (no state); else the new state.
  refund = function(s, now, k, L)
    local b, c, q, r = L.b, L.c, L.q, L.r
    if not s or s[1] >= b then return nil end
    local tok, bm, bf = tb_at(s, now, L)
    if tok >= b then return nil end -- refilled meanwhile: no state
    if k < b - tok then
      -- TAT' = base + (b - tok - k) x T >= base + T > now (base > now - T after the refill)
      return {tok + k, bm, bf}
    end
    -- TAT - k x T = base - j x T is at most the base: TAT' is now, unless the clock is behind
    -- the base (it went back) and base - j x T is still after now. Either way TAT' is held as
    -- one token short of full accruing from TAT' - T (tokens = b could not say TAT' > now).
    local xm, xf = now, 0
    if cmp(now, 0, bm, bf) < 0 then
      local j = tok + k - b
      if floor_div_t(bm - now, bf, j, c, q, r) >= j then -- j x T <= base - now
        local jm, jf = times(j, c, q, r)
        xm, xf = tsub(bm, bf, jm, jf, c)
      end
    end
    xm, xf = tsub(xm, xf, q, r, c)
    return {b - 1, xm, xf}
  end,
}
