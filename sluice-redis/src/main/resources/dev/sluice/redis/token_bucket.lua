-- TOKEN_BUCKET (code 1), a port of dev.sluice.internal.TokenBucket. State {tokens, base,
-- baseFraction}: whole tokens, and the exact time base + baseFraction / count from which the next
-- token accrues. Times relative to now are computed first to stay far below 2^53.

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

ALG[1] = {
  decode = decode3,
  encode = encode3,
  commit = function(s, now, k, L, p1, p2, p3) return {p1, p2, p3} end,
  eval = function(s, now, k, L)
    local c, b, q, r = L.c, L.b, L.q, L.r
    local tok, bm, bf
    local avail -- tokens usable now: tok, less any not yet accrued (clock behind the base)
    if not s or s[1] >= b then
      tok, bm, bf = b, now, 0
      avail = b
    else
      tok = s[1]
      local lm, lf = s[2], s[3]
      if cmp(now, 0, lm, lf) <= 0 then
        -- the clock is at or behind the base: nothing accrued, and the tokens due between now
        -- and the base are not there yet (GCRA's debt)
        bm, bf = lm, lf
        avail = tok - ceil_div_t(lm - now, lf, tok + 1, c, q, r)
      else
        local em, ef = now - lm, 0
        if lf ~= 0 then
          em, ef = now - lm - 1, c - lf
        end
        local tm, tf = times(b - tok, c, q, r)
        if cmp(em, ef, tm, tf) >= 0 then
          tok, bm, bf = b, now, 0
        else
          local n = floor_div_t(em, ef, b - tok, c, q, r)
          tm, tf = times(n, c, q, r)
          tok = tok + n
          bm, bf = lm + tm, lf + tf
          if bf >= c then
            bf = bf - c
            bm = bm + 1
          end
        end
        avail = tok
      end
    end
    if k > b then
      return 0, math.max(0, avail), tb_time_to_full(L, tok, bm, bf, now), NEVER
    elseif k <= avail or k == 0 then
      tok = tok - k
      return 1, math.max(0, avail - k), tb_time_to_full(L, tok, bm, bf, now), 0, tok, bm, bf
    end
    local tm, tf = times(k - tok, c, q, r)
    return 0, math.max(0, avail), tb_time_to_full(L, tok, bm, bf, now),
      tb_ceil_sum_since(bm, bf, tm, tf, now, c)
  end,
}
