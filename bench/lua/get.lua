-- GET BENCH_PATH, each request with the next token of BENCH_TOKENS (one token a line) in the
-- Authorization header, as Mango-JWT reads it (the raw token). Without BENCH_TOKENS: no header
-- (the unguarded route). Requests are prepared once, in init.
local dir = string.match(debug.getinfo(1, "S").source, "^@(.*/)") or "./"
dofile(dir .. "common.lua")

local prepared = {}
local next_index = 1

function init(args)
  local path = os.getenv("BENCH_PATH") or "/"
  local tokens_file = os.getenv("BENCH_TOKENS")
  if tokens_file and #tokens_file > 0 then
    for _, token in ipairs(bench_lines(tokens_file)) do
      prepared[#prepared + 1] = wrk.format("GET", path, { ["Authorization"] = token })
    end
  else
    prepared[1] = wrk.format("GET", path)
  end
  -- threads start at different places in the list
  next_index = (math.random(#prepared) - 1) + 1
end

function request()
  local r = prepared[next_index]
  next_index = next_index % #prepared + 1
  return r
end
