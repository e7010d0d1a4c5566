#!/usr/bin/env bash
# -netdev/-nic/-device virtio-net-device option errors: each ends with exit 65
# (usage) or 66 (host: a forwarded port already in use), with a message
# naming the option.
#   net_options.sh RRSIM
set -u
rrsim=$1
fail=0
check() {   # STATUS PATTERN ARGS...
  local want=$1 pat=$2
  shift 2
  local out st
  out=$("$rrsim" -M virt -bios none -display none -serial null "$@" 2>&1 </dev/null)
  st=$?
  if [ "$st" -ne "$want" ] || ! grep -qF -- "$pat" <<<"$out"; then
    echo "FAIL: rrsim $*: status $st (want $want), message: $out"
    fail=1
  else
    echo "ok: $* -> $st: $out"
  fi
}
check 65 "-netdev tap,id=n0: network backend 'tap' is not supported" -netdev tap,id=n0
check 65 "-netdev socket,id=n0,listen=:1234: network backend 'socket'" -netdev socket,id=n0,listen=:1234
check 65 "-nic bridge: network backend 'bridge'" -nic bridge
check 65 "use" -netdev bridge,id=n0
check 65 "-netdev user,id=n0,hostfwd=tcp::5555: bad hostfwd" -netdev user,id=n0,hostfwd=tcp::5555
check 65 "-netdev user,id=n0,bogus=1: user networking has no property 'bogus'" -netdev user,id=n0,bogus=1
check 65 "-netdev user,id=n0,net=10.0.2.0/24,host=10.9.9.2: host is not in the network" \
  -netdev user,id=n0,net=10.0.2.0/24,host=10.9.9.2
check 65 "-netdev user: id= is required" -netdev user
check 65 "-device virtio-net-device,netdev=n1: no netdev with id 'n1'" \
  -netdev user,id=n0 -device virtio-net-device,netdev=n1
check 65 "-device virtio-net-device: netdev= is required" -device virtio-net-device
check 65 "-device virtio-net-device,netdev=n0: netdev 'n0' is already in use by another device" \
  -netdev user,id=n0 -device virtio-net-device,netdev=n0 -device virtio-net-device,netdev=n0
check 65 "-netdev user,id=n0: duplicate netdev id 'n0'" -netdev user,id=n0 -netdev user,id=n0
check 65 "bad mac '01:00:00:00:00:01'" -netdev user,id=n0 -device virtio-net-device,netdev=n0,mac=01:00:00:00:00:01
check 65 "-nic user,model=e1000: model 'e1000' is not supported" -nic user,model=e1000

# A forwarded port that is taken: 66, naming the option and the rule.
port_file=$(mktemp)
python3 -c '
import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(1)
open(sys.argv[1], "w").write(str(s.getsockname()[1])); sys.stdout.flush(); time.sleep(30)' "$port_file" &
holder=$!
for _ in $(seq 50); do [ -s "$port_file" ] && break; sleep 0.1; done
port=$(cat "$port_file")
check 66 "-netdev user,id=n0,hostfwd=tcp:127.0.0.1:$port-:22: hostfwd tcp:127.0.0.1:$port: cannot listen" \
  -netdev user,id=n0,hostfwd=tcp:127.0.0.1:$port-:22 -device virtio-net-device,netdev=n0
check 66 "-nic user,hostfwd=tcp:127.0.0.1:$port-:22: hostfwd" -nic user,hostfwd=tcp:127.0.0.1:$port-:22
kill "$holder" 2>/dev/null
wait "$holder" 2>/dev/null
rm -f "$port_file"
exit $fail
