-- wrk script: POST envoy's /json body (or the same body to /noop). BODY_KIND comes from the
-- first script argument: "allow" (descriptor user=bench, huge limit) or "deny" (blocked=bench,
-- 1 per hour, so all but the first request are 429).
local kind = "allow"
function init(args)
  if args[1] ~= nil then kind = args[1] end
  local key = kind == "deny" and "blocked" or "user"
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  wrk.body = '{"domain":"bench","descriptors":[{"entries":[{"key":"' .. key
    .. '","value":"bench"}]}]}'
end
