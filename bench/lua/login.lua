-- POST BENCH_PATH with a JSON login body {"username": ..., "password": ...}, cycling through the
-- users of BENCH_USERS (one "email<TAB>password" a line). Requests are prepared once, in init.
local dir = string.match(debug.getinfo(1, "S").source, "^@(.*/)") or "./"
dofile(dir .. "common.lua")

local prepared = {}
local next_index = 1

function init(args)
  local path = os.getenv("BENCH_PATH") or "/mongo_auth/login/"
  local headers = { ["Content-Type"] = "application/json" }
  for _, line in ipairs(bench_lines(os.getenv("BENCH_USERS"))) do
    local email, password = bench_split_tab(line)
    local body = '{"username": ' .. bench_json_string(email) ..
                 ', "password": ' .. bench_json_string(password) .. '}'
    prepared[#prepared + 1] = wrk.format("POST", path, headers, body)
  end
  next_index = math.random(#prepared)
end

function request()
  local r = prepared[next_index]
  next_index = next_index % #prepared + 1
  return r
end
