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
init = function(args)
  for i = 1, 400000 do
    local p = providers[(i % #providers) + 1]
    local body = string.format(
      '{"provider":"%s","service":"%s","problem":"%s","postcode":"%s","reporter_token":"bench-%d-%d"}',
      p[1], p[2], problems[(i % #problems) + 1], postcodes[(i % #postcodes) + 1], tid or 0, i)
    reqs[i] = wrk.format("POST", "/api/v1/reports", {["Content-Type"] = "application/json"}, body)
  end
end
request = function()
  n = n + 1
  return reqs[(n % #reqs) + 1]
end
