-- bench.lua - the wrk request generator of every benchmark scenario (bench/run.sh picks one with BENCH_MODE).
--
-- Environment (read once per wrk thread):
--   BENCH_MODE     get | list | archive | import | mixed | static
--   BENCH_KEY      API key sent as "Authorization: Bearer KEY" (sent to the baselines too: same request bytes)
--   BENCH_IDS      file of conversation ids, one a line (get, mixed: drawn at random)
--   BENCH_WIDS     file of distinct ids to write (archive, mixed): thread t of T takes lines t, t+T, t+2T, ...
--                  so every request changes a different row; when they run out they wrap (run.sh counts
--                  the rows really changed in the database, not the responses)
--   BENCH_THREADS  wrk -t value (to partition BENCH_WIDS)
--   BENCH_PREFIX   path before an id: /v2/conversations/ (Parley) or /conversations/ (json-server)
--   BENCH_WMETHOD  DELETE (Parley archive) or PATCH (json-server: body {"archived":true})
--   BENCH_QUERIES  file of list request targets, one a line (list, mixed): drawn at random
--   BENCH_BODY     file of the import body; @EXT@ is replaced by a unique applicationExternalID
--   BENCH_IMPORT   import path (default /v2/conversations/import; json-server: /conversations)
--   BENCH_RUNID    makes applicationExternalIDs unique across runs
--   BENCH_PATH     fixed request target (static)
-- done() prints one line "BENCH requests=... duration_us=... rps=... p50_us=... p99_us=... non2xx=... errors=...".

local function lines(path)
  local t = {}
  if not path or path == "" then return t end
  local f = assert(io.open(path, "r"), "cannot open " .. path)
  for l in f:lines() do
    if l ~= "" then t[#t + 1] = l end
  end
  f:close()
  return t
end

local function readall(path)
  local f = assert(io.open(path, "r"), "cannot open " .. path)
  local s = f:read("*a")
  f:close()
  return s
end

local counter = 0
local threads = {}

function setup(thread)
  counter = counter + 1
  thread:set("tindex", counter - 1)
  threads[#threads + 1] = thread
end

local mode, ids, wids, queries, body, prefix, wmethod, headers, runid, path, ipath
local wnext, wstep, seq, tindex_

function init(args)
  mode = os.getenv("BENCH_MODE") or "get"
  prefix = os.getenv("BENCH_PREFIX") or "/v2/conversations/"
  wmethod = os.getenv("BENCH_WMETHOD") or "DELETE"
  runid = os.getenv("BENCH_RUNID") or "0"
  path = os.getenv("BENCH_PATH") or "/"
  ipath = os.getenv("BENCH_IMPORT") or "/v2/conversations/import"
  headers = {}
  local key = os.getenv("BENCH_KEY")
  if key and key ~= "" then headers["Authorization"] = "Bearer " .. key end
  tindex_ = tindex or 0
  math.randomseed(os.time() + tindex_ * 7919)
  if mode == "get" or mode == "mixed" then ids = lines(os.getenv("BENCH_IDS")) end
  if mode == "archive" or mode == "mixed" then
    wids = lines(os.getenv("BENCH_WIDS"))
    wstep = tonumber(os.getenv("BENCH_THREADS") or "1")
    wnext = tindex_ + 1
  end
  if mode == "list" or mode == "mixed" then queries = lines(os.getenv("BENCH_QUERIES")) end
  if mode == "import" then
    body = readall(os.getenv("BENCH_BODY"))
    headers["Content-Type"] = "application/json"
  end
  seq = 0
end

local function get_req()
  return wrk.format("GET", prefix .. ids[math.random(#ids)], headers)
end

local function list_req()
  return wrk.format("GET", queries[math.random(#queries)], headers)
end

local function write_req()
  local id = wids[wnext]
  wnext = wnext + wstep
  if wnext > #wids then wnext = tindex_ + 1 end
  if wmethod == "PATCH" then
    local h = {}
    for k, v in pairs(headers) do h[k] = v end
    h["Content-Type"] = "application/json"
    return wrk.format("PATCH", prefix .. id, h, '{"archived":true}')
  end
  return wrk.format(wmethod, prefix .. id, headers)
end

local function import_req()
  seq = seq + 1
  local ext = "bench-imp-" .. runid .. "-" .. tindex_ .. "-" .. seq
  return wrk.format("POST", ipath, headers, (body:gsub("@EXT@", ext)))
end

function request()
  if mode == "get" then return get_req() end
  if mode == "list" then return list_req() end
  if mode == "archive" then return write_req() end
  if mode == "import" then return import_req() end
  if mode == "mixed" then
    local r = math.random()
    if r < 0.80 then return get_req() end
    if r < 0.95 then return list_req() end
    return write_req()
  end
  return wrk.format("GET", path, headers)
end

function done(summary, latency, requests)
  local secs = summary.duration / 1e6
  local e = summary.errors
  io.write(string.format("BENCH requests=%d duration_us=%d rps=%.1f p50_us=%d p99_us=%d non2xx=%d errors=%d\n",
    summary.requests, summary.duration, summary.requests / secs, latency:percentile(50), latency:percentile(99),
    e.status, e.connect + e.read + e.write + e.timeout))
end
