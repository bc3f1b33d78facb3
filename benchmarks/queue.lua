-- wrk script: one annotator per connection, looping "submit the current lease and get the next".
--
-- Run with as many threads as connections (wrk -t N -c N): wrk keeps one Lua state per thread, so a
-- thread with one connection is one annotator with its own token and its own lease.
--
--   wrk -t 32 -c 32 -d 15s -s queue.lua http://127.0.0.1:PORT -- PROJECT_ID TOKENS_FILE
--
-- TOKENS_FILE holds one API token per line; thread k uses line k. The loop: POST tasks/next, then
-- POST tasks/{lease_id}/submit with {"value": ..., "next": true} while the answer carries a lease_id;
-- without one (no task left, or an error), back to tasks/next after a short pause.

local threads = {}
local counter = 1

function setup(thread)
   thread:set("id", counter)
   counter = counter + 1
   table.insert(threads, thread)
end

local project, headers, lease, pause
local submit_body = '{"value": {"sentiment": "positive"}, "next": true}'
submits, nexts, empty, failures = 0, 0, 0, 0

function init(args)
   project = args[1]
   local n, token = 0, nil
   for line in io.lines(args[2]) do
      n = n + 1
      if n == id then token = line end
   end
   if token == nil then error("no token for thread " .. id .. " in " .. args[2]) end
   headers = {["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json"}
end

function request()
   if lease then
      submits = submits + 1
      return wrk.format("POST", "/api/v1/projects/" .. project .. "/tasks/" .. lease .. "/submit", headers,
                        submit_body)
   end
   nexts = nexts + 1
   return wrk.format("POST", "/api/v1/projects/" .. project .. "/tasks/next", headers, "")
end

function delay()
   if pause then
      pause = false
      return 100
   end
   return 0
end

function response(status, _, body)
   lease = nil
   if status ~= 200 then
      failures = failures + 1
      pause = true
      return
   end
   -- The response's "task" object is the only place a lease_id appears.
   lease = string.match(body, '"lease_id":(%d+)')
   if lease == nil then
      empty = empty + 1
      pause = true
   end
end

function done(summary, latency, requests)
   local s, n, e, f = 0, 0, 0, 0
   for _, thread in ipairs(threads) do
      s = s + thread:get("submits")
      n = n + thread:get("nexts")
      e = e + thread:get("empty")
      f = f + thread:get("failures")
   end
   -- One machine-readable line for benchmarks/queue.py; latencies in microseconds.
   io.write(string.format(
      "ASSAY_RESULT {\"requests\": %d, \"seconds\": %.3f, \"submits\": %d, \"nexts\": %d, \"empty\": %d, " ..
      "\"failures\": %d, \"socket_errors\": %d, \"non_2xx\": %d, \"p50\": %d, \"p90\": %d, \"p95\": %d, " ..
      "\"p99\": %d, \"max\": %d, \"mean\": %.1f}\n",
      summary.requests, summary.duration / 1e6, s, n, e, f,
      summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
      summary.errors.status, latency:percentile(50), latency:percentile(90), latency:percentile(95),
      latency:percentile(99), latency.max, latency.mean))
end
