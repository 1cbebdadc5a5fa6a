# A guest's whole userspace for tests that type at its console (through
# tools/guestkit initrd): once its network interface is there (if it has
# one), it says "guest ready" and runs each line typed.
for i in $(seq 100); do [ -e /sys/class/net/eth0 ] && break; sleep 0.1; done
echo "guest ready"
while read -r cmd; do eval "$cmd"; done
