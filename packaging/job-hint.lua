-- motd-status's job hint for Slurm's cli_filter/lua plugin: when a job would cross a
-- maintenance reservation, sbatch, salloc and srun say so on stderr (when the job would start
-- instead, and the longest --time that fits), and submit it as before.
--
-- Installed as /usr/share/motd-status/job-hint.lua. Lua 5.1, as Slurm links it (no goto, no
-- integer division). A site adds these two lines at the top of slurm_cli_pre_submit in its
-- own cli_filter.lua (the one beside slurm.conf, /etc/slurm/cli_filter.lua on Debian):
--
--     local ok, hint = pcall(dofile, "/usr/share/motd-status/job-hint.lua")
--     if ok and type(hint) == "table" then pcall(hint.pre_submit, options, pack_offset) end
--
-- Both run under pcall: a module that is missing, broken or fails leaves the site's file and
-- the submission as they were. It changes no option, sets no global and returns nothing, so
-- the site's function returns what it returned before.
--
-- A site without a cli_filter.lua writes this one first, on every host users submit from:
--
--     function slurm_cli_setup_defaults(options, early_pass)
--         return slurm.SUCCESS
--     end
--     function slurm_cli_pre_submit(options, pack_offset)
--         local ok, hint = pcall(dofile, "/usr/share/motd-status/job-hint.lua")
--         if ok and type(hint) == "table" then pcall(hint.pre_submit, options, pack_offset) end
--         return slurm.SUCCESS
--     end
--     function slurm_cli_post_submit(offset, job_id, step_id)
--         return slurm.SUCCESS
--     end
--
-- and only then sets CliFilterPlugins=cli_filter/lua in slurm.conf. The other way round, every
-- sbatch, salloc and srun fails until the file exists ("cli_filter/lua: Unable to stat
-- .../cli_filter.lua: No such file or directory", "cli_filter plugin terminated with error"),
-- and so do they while the site's own file does not load (a syntax error in it).
--
-- What it runs: `motd-status --job-hint [--time T] [--time-min M] [--partition P] [--begin B]` under
-- coreutils' timeout (TERM after a second, KILL half a second later, to the whole process
-- group), stdin and stderr closed, stdout to a temporary file, and shows at most two lines
-- of what it printed. It passes only values it has checked: a time (and a --time-min) in
-- Slurm's format or UNLIMITED, partition names, a begin time as Slurm writes one in its
-- standard format (YYYY-MM-DDTHH:MM:SS, nothing else). With --time-min the job may be
-- shortened to fit, and motd-status counts with that and does not advise it. It does nothing for a job
-- step inside an allocation (SLURM_JOB_ID set), a job for a reservation (--reservation) or
-- another cluster (-M/--clusters), a later component of a heterogeneous job, or scrontab.
--
-- Slurm's "unset": an option not given reads as nil, except the time options before Slurm
-- 23.11, which read as "2982616-04:14:00" (NO_VAL minutes written as a time; 23.11 made them
-- nil), and --begin, which reads as "Unknown" (0) or "None" (NO_VAL). An unset --time is not
-- passed: motd-status uses the partition's DefaultTime. A --begin written in a format of the
-- user's SLURM_TIME_FORMAT (relative, or their own: a same-day begin is then a bare time of
-- day, which motd-status would read as tomorrow) does not pass the check: no hint at all.

local M = {}

-- Settings a site (or a test) may change after loading the module.
M.program = "/usr/bin/motd-status"
M.timeout = "/usr/bin/timeout"
M.seconds = "1"
M.kill_after = "0.5"
M.max_lines = 2
M.max_chars = 300

local UNSET_TIME = { ["2982616-04:14:00"] = true, ["4294967294"] = true }
local UNSET_BEGIN = { ["Unknown"] = true, ["None"] = true, ["0"] = true }

-- An option's value as a non-empty string, or nil.
local function get(options, name)
    local ok, v = pcall(function() return options[name] end)
    if not ok then
        return nil
    end
    if type(v) == "number" then
        v = tostring(v)
    end
    if type(v) ~= "string" or v == "" then
        return nil
    end
    return v
end

local function matches(value, pattern)
    return string.find(value, pattern) ~= nil
end

-- The arguments for motd-status, or nil and why there is no hint to ask for.
function M.arguments(options, pack_offset, getenv)
    getenv = getenv or os.getenv
    local job = getenv("SLURM_JOB_ID")
    if job ~= nil and job ~= "" then
        return nil, "a job step inside an allocation"
    end
    if tonumber(pack_offset or 0) ~= 0 then
        return nil, "a later component of a heterogeneous job"
    end
    if get(options, "type") == "scrontab" then
        return nil, "scrontab"
    end
    if get(options, "reservation") then
        return nil, "a job for a reservation"
    end
    if get(options, "clusters") then
        return nil, "a job for another cluster"
    end
    local args = { "--job-hint" }
    local time = get(options, "time")
    if time == "INFINITE" then
        time = "UNLIMITED"
    end
    if time and not UNSET_TIME[time] then
        if time ~= "UNLIMITED" and not matches(time, "^[0-9:-]+$") then
            return nil, "a time limit not in Slurm's format"
        end
        args[#args + 1] = "--time"
        args[#args + 1] = time
    end
    local partition = get(options, "partition")
    if partition then
        if not matches(partition, "^[A-Za-z0-9_.,-]+$") then
            return nil, "a partition name of other characters"
        end
        args[#args + 1] = "--partition"
        args[#args + 1] = partition
    end
    local time_min = get(options, "time_min") or get(options, "time-min")
    if time_min and not UNSET_TIME[time_min] then
        if not matches(time_min, "^[0-9:-]+$") then
            return nil, "a minimum time not in Slurm's format"
        end
        args[#args + 1] = "--time-min"
        args[#args + 1] = time_min
    end
    local begin = get(options, "begin")
    if begin and not UNSET_BEGIN[begin] then
        -- Only a full date and time: a user's SLURM_TIME_FORMAT (relative, or a format of
        -- their own) writes a same-day begin as a time of day, which would read as tomorrow.
        if not matches(begin, "^%d%d%d%d%-%d%d%-%d%dT%d%d:%d%d:%d%d$") then
            return nil, "a begin time not as Slurm writes one"
        end
        args[#args + 1] = "--begin"
        args[#args + 1] = begin
    end
    return args
end

-- `s` quoted for sh.
local function quote(s)
    return "'" .. (string.gsub(s, "'", "'\\''")) .. "'"
end

-- The shell command that runs motd-status with `args` under the timeout.
function M.command(args)
    local words = { "exec", quote(M.timeout), "-k", quote(M.kill_after), quote(M.seconds),
        quote(M.program) }
    for i = 1, #args do
        words[#words + 1] = quote(args[i])
    end
    return table.concat(words, " ") .. " </dev/null 2>/dev/null"
end

-- At most max_lines lines of `text`, without control characters or escape sequences.
function M.lines(text)
    local shown = {}
    for line in string.gmatch(text or "", "[^\n]+") do
        if #shown >= M.max_lines then
            break
        end
        line = string.gsub(line, "\27%[[0-9;?]*[ -/]*[@-~]", "")
        line = string.gsub(line, "%c", "")
        if line ~= "" then
            shown[#shown + 1] = string.sub(line, 1, M.max_chars)
        end
    end
    return shown
end

-- Runs motd-status and returns the start of what it printed, or nil. Its output goes to a
-- file, not a pipe: a pipe would be read until every process holding it ends, and a child
-- the program left behind could hold it past the timeout.
local function run(args)
    local path = os.tmpname()
    os.execute(M.command(args) .. " >" .. quote(path))
    local f = io.open(path, "r")
    local text = f and f:read(4 * M.max_lines * M.max_chars)
    if f then
        f:close()
    end
    os.remove(path)
    return text
end

-- For slurm_cli_pre_submit: the hint on stderr, or nothing. Never fails the submission.
function M.pre_submit(options, pack_offset)
    pcall(function()
        local args = M.arguments(options, pack_offset)
        if not args then
            return
        end
        local lines = M.lines(run(args))
        for i = 1, #lines do
            io.stderr:write(lines[i], "\n")
        end
    end)
    return nil
end

return M
