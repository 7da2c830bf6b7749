-- Sluice: exact integer arithmetic on Lua numbers (doubles, exact below 2^53), a port of
-- dev.sluice.internal.Rate and MulDiv. Every value handled here is an integer below 2^53 in
-- magnitude (Limit's bounds), so these functions give the same answers as Java's longs.

local NEVER = -1 -- retryAfter of a request that can never fit (Long.MAX_VALUE in Java)
local ALG = {}   -- algorithm code -> {eval, commit, decode, encode}

-- floor(a / b) for b > 0 and |a| + b <= 2^53, corrected for the rounding of the double quotient.
local function idiv(a, b)
  local q = math.floor(a / b)
  local r = a - q * b
  if r < 0 then
    q = q - 1
  elseif r >= b then
    q = q + 1
  end
  return q
end

-- a - floor(a / b) * b, always in [0, b) (Math.floorMod).
local function fmod(a, b)
  return a - idiv(a, b) * b
end

-- Greatest common divisor of two positive integers (Euclid; fmod is exact).
local function gcd(a, b)
  while b ~= 0 do
    a, b = b, fmod(a, b)
  end
  return a
end

-- The time n x T, T = period / count = q + r / c, as (m, f): m + f / c microseconds.
local function times(n, c, q, r)
  local nr = n * r
  local d = idiv(nr, c)
  return n * q + d, nr - d * c
end

local function cmp(m1, f1, m2, f2)
  if m1 ~= m2 then
    if m1 < m2 then return -1 end
    return 1
  end
  if f1 < f2 then return -1 end
  if f1 > f2 then return 1 end
  return 0
end

local function ceilt(m, f)
  if f > 0 then return m + 1 end
  return m
end

-- floor((xm + xf / c) / T) for a time below (max + 1) x T: a double estimate, then exact steps.
local function floor_div_t(xm, xf, max, c, q, r)
  local est = (xm * c + xf) / (q * c + r)
  local n
  if est >= max then
    n = max
  else
    n = math.max(0, math.floor(est))
  end
  local m, f = times(n, c, q, r)
  while n > 0 and cmp(m, f, xm, xf) > 0 do
    n = n - 1
    m, f = times(n, c, q, r)
  end
  while n < max do
    m, f = times(n + 1, c, q, r)
    if cmp(m, f, xm, xf) > 0 then break end
    n = n + 1
  end
  return n
end

local TWO53 = 9007199254740992
local TWO52 = 4503599627370496

-- ceil((xm + xf/c) / T) for a non-negative time, capped at max (Rate.ceilDivT).
local function ceil_div_t(xm, xf, max, c, q, r)
  local n = floor_div_t(xm, xf, max, c, q, r)
  if n < max then
    local m, f = times(n, c, q, r)
    if m ~= xm or f ~= xf then return n + 1 end
  end
  return n
end

-- (floor(a * b / d), a * b mod d) for 0 <= a < d < 2^53 and 0 <= b < 2^53: the product may
-- exceed 2^53, so b is reduced modulo d and the rest is binary long multiplication modulo d.
local function muldiv(a, b, d)
  local p = a * b
  if p < TWO53 then
    local q = idiv(p, d)
    return q, p - q * d
  end
  local qb = idiv(b, d)
  local rb = b - qb * d
  local a0 = a
  local bits, n = {}, 0
  while a > 0 do
    local h = math.floor(a / 2)
    n = n + 1
    bits[n] = a - 2 * h
    a = h
  end
  local q, rem, t = 0, 0, 0
  for i = n, 1, -1 do
    q = q * 2 -- (q, rem) doubled: 2 rem >= d  <=>  rem >= d - rem
    t = d - rem
    if rem >= t then
      rem = rem - t
      q = q + 1
    else
      rem = rem + rem
    end
    if bits[i] == 1 then
      t = d - rem
      if rb >= t then
        rem = rb - t
        q = q + 1
      else
        rem = rem + rb
      end
    end
  end
  -- a x b / d = a x qb + a x rb / d; a x qb is below the result, hence below 2^53.
  return a0 * qb + q, rem
end

-- floor(a * b / d) and ceil(a * b / d) where a < d or b <= d (the result is below 2^53).
local function muldiv_floor(a, b, d)
  if a >= d then a, b = b, a end
  local q = muldiv(a, b, d)
  return q
end

local function muldiv_ceil(a, b, d)
  if a >= d then a, b = b, a end
  local q, rem = muldiv(a, b, d)
  if rem > 0 then return q + 1 end
  return q
end

-- The longest wait a bucket limit (token bucket, GCRA) may reserve into debt while its arithmetic
-- stays exact: min(2^52 - ceil(b x T), floor((floor(2^53 / c) - b) x T)) (docs: SEMANTICS of
-- reserve). The first bound keeps every time below 2^53 µs, the second every count of emission
-- intervals times c. Computed once per script call and limit. (n x q may exceed 2^53 when the
-- true bound is far above 2^52; rounding is monotone, so the minimum is still the first term.)
local function bucket_max_wait(L)
  local w = L.max_wait
  if not w then
    local bm, bf = times(L.b, L.c, L.q, L.r)
    local n = idiv(TWO53 - L.c, L.c) + 1 - L.b -- floor(2^53 / c) - b, exactly
    local m = times(n, L.c, L.q, L.r)
    w = math.min(TWO52 - ceilt(bm, bf), m)
    L.max_wait = w
  end
  return w
end

-- used + k, at most a window's bound on permits taken past the limit (twice the count, at most
-- 2^53 - 1; Transition.pastCap), and never less than used.
local function add_capped(used, k, c)
  local cap = math.min(2 * c, TWO53 - 1)
  if used >= cap then return used end
  return used + math.min(k, cap - used)
end

-- (m, f) - (m2, f2) for fractions in [0, c).
local function tsub(m, f, m2, f2, c)
  m, f = m - m2, f - f2
  if f < 0 then
    f = f + c
    m = m - 1
  end
  return m, f
end

-- State codecs: fixed-size states are three doubles, exact for integers below 2^53.
local function decode3(v)
  local a, b, c = struct.unpack('<ddd', v)
  return {a, b, c}
end

local function encode3(s)
  return struct.pack('<ddd', s[1], s[2], s[3])
end

-- One limit from its four script arguments: algorithm code, count, period (us) and burst. A
-- calendar window's period is the windows it may be in, 'start,end,...' (see fixed_window.lua).
-- Buckets keep fractions in lowest terms, 1/(c/g) of a µs (as Java's Rate).
local function limit_of(code, c, ptext, b)
  local p, bounds = tonumber(ptext), nil
  if not p then
    bounds = {}
    for v in string.gmatch(ptext, '[^,]+') do bounds[#bounds + 1] = tonumber(v) end
    p = bounds[2] - bounds[1]
  end
  local q = idiv(p, c)
  local r = p - q * c
  if code == 1 or code == 2 then
    local g = gcd(p, c)
    c, r = c / g, r / g
  end
  return {alg = ALG[code], c = c, p = p, b = b, q = q, r = r, bounds = bounds}
end

-- The time of a call: the caller's, in microseconds, or (for '') the server's TIME.
local function call_time(text)
  local now = tonumber(text)
  if not now then
    redis.replicate_commands() -- writes after TIME: replicate effects (default since Redis 5)
    local t = redis.call('TIME')
    now = tonumber(t[1]) * 1000000 + tonumber(t[2])
  end
  return now
end
