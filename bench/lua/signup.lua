-- POST BENCH_PATH with a JSON signup body for a new user each time:
-- su-<BENCH_TAG>-<thread>-<n>@bench.example, password BENCH_PASSWORD.
local dir = string.match(debug.getinfo(1, "S").source, "^@(.*/)") or "./"
dofile(dir .. "common.lua")

local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("thread_number", threads)
end

local path, tag, password
local counter = 0
local headers = { ["Content-Type"] = "application/json" }

function init(args)
  path = os.getenv("BENCH_PATH") or "/mongo_auth/signup/"
  tag = os.getenv("BENCH_TAG") or "run"
  password = os.getenv("BENCH_PASSWORD") or "bench-signup-password"
end

function request()
  counter = counter + 1
  local email = string.format("su-%s-%d-%d@bench.example", tag, thread_number or 0, counter)
  local body = '{"email": ' .. bench_json_string(email) ..
               ', "password": ' .. bench_json_string(password) .. '}'
  return wrk.format("POST", path, headers, body)
end
