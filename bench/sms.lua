-- wrk script for the webhook benchmark: cycles through pre-signed Twilio webhook posts.
--
-- Usage: wrk -t THREADS -s bench/sms.lua URL -- REQUESTS_FILE THREADS SKIP
-- REQUESTS_FILE holds one request per line: "<X-Twilio-Signature>\t<urlencoded form>".
-- The first SKIP lines are left out (used by earlier rounds of the same run). Each wrk
-- thread takes every n-th line, so no two threads send the same MessageSid; a
-- thread that runs out starts over and counts it in `wrapped` (duplicates are then sent,
-- which the benchmark reports as an undersized pool). Requests are formatted once, in
-- init, so the generator does as little work per request as possible on both sides.

local threads = {}
local thread_count = 0

function setup(thread)
   thread:set("offset", thread_count)
   thread_count = thread_count + 1
   table.insert(threads, thread)
end

local requests = {}
local index = 0
wrapped = 0

function init(args)
   local stride = tonumber(args[2]) or 1
   local skip = tonumber(args[3]) or 0
   local n = -skip
   for line in io.lines(args[1]) do
      if n >= 0 and n % stride == offset then
         local sig, body = line:match("^([^\t]*)\t(.*)$")
         requests[#requests + 1] = wrk.format("POST", nil, {
            ["Content-Type"] = "application/x-www-form-urlencoded",
            ["X-Twilio-Signature"] = sig,
         }, body)
      end
      n = n + 1
   end
   if #requests == 0 then
      error("request pool exhausted: sign more requests")
   end
end

function request()
   index = index + 1
   if index > #requests then
      index = 1
      wrapped = wrapped + 1
   end
   return requests[index]
end

function done(summary, latency, _requests)
   local total_wrapped = 0
   for _, thread in ipairs(threads) do
      total_wrapped = total_wrapped + (thread:get("wrapped") or 0)
   end
   local e = summary.errors
   io.write(string.format(
      "BENCH_JSON {\"requests\": %d, \"duration_us\": %d, \"connect_errors\": %d, " ..
      "\"read_errors\": %d, \"write_errors\": %d, \"timeouts\": %d, \"non_2xx\": %d, " ..
      "\"wrapped\": %d, \"latency_p50_us\": %d, \"latency_p99_us\": %d}\n",
      summary.requests, summary.duration, e.connect, e.read, e.write, e.timeout, e.status,
      total_wrapped, latency:percentile(50), latency:percentile(99)))
end
