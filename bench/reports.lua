-- Realistic single reports: rotating providers, services, problems and postcodes, and a
-- distinct reporter per request. Requests are built once per thread in init() so that the
-- load generator's own CPU use stays as small as for the hello-world run.
local providers = {
  {"telekom-de", "mobile-data"}, {"vodafone-de", "cable"}, {"o2-de", "mobile-data"},
  {"o2-de", "mobile-voice"}, {"1und1-de", "dsl"}, {"telekom-de", "dsl"},
}
local problems = {"no-internet", "no-signal", "slow-internet", "no-calls", "total-outage"}
local postcodes = {"80331", "10115", "20095", "50667", "70173", "01067", "60311", "30159"}
local counter = 0
local reqs = {}
local n = 0
setup = function(thread) thread:set("tid", counter); counter = counter + 1 end
-- With BENCH_RELAY_TOKEN (the server's operator token) the load generator posts as a trusted
-- relay: every reporter_token is a reporter of its own, so every request is a distinct report.
-- Without it, it is one anonymous client: at most two reporter keys, and reports that repeat
-- within a second are one report, stored once.
local token = os.getenv("BENCH_RELAY_TOKEN")
-- Load generators running side by side give each a prefix of its own (BENCH_PREFIX).
local prefix = os.getenv("BENCH_PREFIX") or "bench"
local headers = {["Content-Type"] = "application/json"}
if token then headers["Authorization"] = "Bearer " .. token end
init = function(args)
  for i = 1, 400000 do
    local p = providers[(i % #providers) + 1]
    local body = string.format(
      '{"provider":"%s","service":"%s","problem":"%s","postcode":"%s","reporter_token":"%s-%d-%d"}',
      p[1], p[2], problems[(i % #problems) + 1], postcodes[(i % #postcodes) + 1], prefix, tid or 0, i)
    reqs[i] = wrk.format("POST", "/api/v1/reports", headers, body)
  end
end
request = function()
  n = n + 1
  return reqs[(n % #reqs) + 1]
end
