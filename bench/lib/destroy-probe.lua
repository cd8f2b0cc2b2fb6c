-- bench/13's channel program: argv is pairs "SNAPSHOT EXPECTED_GUID" (the GUID as channel-program Lua prints it: a
-- signed 64-bit integer). Each snapshot is destroyed only if it exists and has that GUID. The result lists every
-- item as NAME=GUID_SEEN:OUTCOME, OUTCOME an errno of zfs.sync.destroy (0 done) or absent / guidmismatch.
-- zfs.exists comes first: zfs.get_prop of a missing dataset raises an error that ends the program, after the
-- destroys before it took effect.
local argv = (...)["argv"]
local out = {}
local i = 1
while argv[i] ~= nil do
  local name, want = argv[i], argv[i + 1]
  local g, seen, outcome = nil, "-", nil
  if zfs.exists(name) then g = zfs.get_prop(name, "guid"); seen = tostring(g) end
  if g == nil then outcome = "absent"
  elseif seen ~= want then outcome = "guidmismatch"
  else outcome = zfs.sync.destroy(name) end
  out[#out + 1] = name .. "=" .. seen .. ":" .. tostring(outcome)
  i = i + 2
end
return table.concat(out, ",")
