-- wrk script of the HTTP benchmark (tools/bench/http_bench.py runs it; see docs/PERFORMANCE.md).
--
-- Environment:
--   BENCH_SCENARIO  team_list | team_detail | token_list | post_team | patch_team | post_token | mix
--   BENCH_TARGETS   a file of "organizer token team_id" lines, one per team the requests spread over
--   BENCH_TAG       makes the names of created teams and tokens unique across runs
-- Reads are prebuilt once per thread; writes get a unique name per request, their heads (request line, Host,
-- Authorization, Content-Type) prebuilt per target so that only the body and its length are made per request
-- (with wrk.format per request the in-memory ceiling answered POST team's requests at 111-125k req/s, with the
-- prebuilt heads at 137-139k). Each wrk thread starts at its own offset into the targets. done() prints one line
-- "BENCH_RESULT {json}" with requests/s, latency percentiles (µs) and error counts; the driver treats any non-2xx
-- answer as a failed run.

local scenario = os.getenv("BENCH_SCENARIO") or "team_detail"
local targets_file = os.getenv("BENCH_TARGETS")
local tag = os.getenv("BENCH_TAG") or "bench"

local threads = {}
local thread_count = 0

function setup(thread)
  thread_count = thread_count + 1
  thread:set("thread_id", thread_count)
  table.insert(threads, thread)
end

local targets = {}
local prebuilt = {}
local cursor = 0
local counter = 0

local function read_targets()
  local list = {}
  for line in io.lines(targets_file) do
    local org, token, team = line:match("^(%S+)%s+(%S+)%s+(%d+)$")
    if org then table.insert(list, {org = org, token = token, team = team}) end
  end
  assert(#list > 0, "no targets in " .. tostring(targets_file))
  return list
end

local function headers(t) return {["Authorization"] = "Token " .. t.token} end

local function teams_path(t) return "/api/v1/organizers/" .. t.org .. "/teams/" end
local function team_path(t) return teams_path(t) .. t.team .. "/" end

local readers = {
  team_list = function(t) return wrk.format("GET", teams_path(t), headers(t)) end,
  team_detail = function(t) return wrk.format("GET", team_path(t), headers(t)) end,
  token_list = function(t) return wrk.format("GET", team_path(t) .. "tokens/", headers(t)) end,
}

local function unique_name(kind)
  counter = counter + 1
  return kind .. " " .. tag .. "-" .. thread_id .. "-" .. counter
end

-- Each write: its method and path per target, and its body (a fresh name each time).
local writes = {
  post_team = {method = "POST", path = teams_path, body = function()
    return '{"name":"' .. unique_name("team") .. '","can_view_orders":true,"limit_events":["ev0"]}'
  end},
  patch_team = {method = "PATCH", path = team_path, body = function()
    return '{"name":"' .. unique_name("patched") .. '","can_change_orders":' ..
           (counter % 2 == 0 and "true" or "false") .. '}'
  end},
  post_token = {method = "POST", path = function(t) return team_path(t) .. "tokens/" end, body = function()
    return '{"name":"' .. unique_name("token") .. '"}'
  end},
}

-- What wrk.format writes for a request with a body, up to the Content-Length's value.
local function write_head(kind, t)
  local w = writes[kind]
  return w.method .. " " .. w.path(t) .. " HTTP/1.1\r\nHost: " .. wrk.headers["Host"] ..
         "\r\nAuthorization: Token " .. t.token .. "\r\nContent-Type: application/json\r\nContent-Length: "
end

local heads = {}  -- kind -> per target
local function write_request(kind, i)
  local body = writes[kind].body()
  return heads[kind][i] .. #body .. "\r\n\r\n" .. body
end

local read_kinds = {"team_detail", "team_list", "token_list"}
local write_kinds = {"patch_team", "post_token", "post_team"}

function init(args)
  targets = read_targets()
  cursor = ((thread_id or 1) - 1) * 7919 % #targets
  for _, kind in ipairs(read_kinds) do
    if scenario == kind or scenario == "mix" then
      prebuilt[kind] = {}
      for i, t in ipairs(targets) do prebuilt[kind][i] = readers[kind](t) end
    end
  end
  for _, kind in ipairs(write_kinds) do
    if scenario == kind or scenario == "mix" then
      heads[kind] = {}
      for i, t in ipairs(targets) do heads[kind][i] = write_head(kind, t) end
    end
  end
end

local function next_index()
  cursor = cursor % #targets + 1
  return cursor
end

local mix_step = 0

function request()
  local i = next_index()
  if prebuilt[scenario] then return prebuilt[scenario][i] end
  if writes[scenario] then return write_request(scenario, i) end
  -- mix: 9 reads (team detail, team list, token list in turn), then one write (PATCH team, POST token, POST team
  -- in turn): 90% reads, 10% writes.
  mix_step = mix_step + 1
  local slot = mix_step % 10
  if slot == 0 then
    local kind = write_kinds[(mix_step / 10) % #write_kinds + 1]
    return write_request(kind, i)
  end
  return prebuilt[read_kinds[slot % #read_kinds + 1]][i]
end

function done(summary, latency, requests)
  local seconds = summary.duration / 1e6
  local e = summary.errors
  io.write(string.format(
    'BENCH_RESULT {"requests":%d,"seconds":%.3f,"rps":%.1f,"p50_us":%d,"p90_us":%d,"p99_us":%d,' ..
    '"max_us":%d,"mean_us":%.1f,"connect_errors":%d,"read_errors":%d,"write_errors":%d,' ..
    '"status_errors":%d,"timeouts":%d}\n',
    summary.requests, seconds, summary.requests / seconds, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max, latency.mean, e.connect, e.read, e.write, e.status, e.timeout))
end
