#!/usr/bin/env bash
# The network benchmark's baseline: one attach and detach done by running the CNI plugins straight
# from a shell, as nerdctl's and containerd's chains run them, with the driver's own config.
#   cni-direct.sh DIR CONTAINER-ID NETNS-FILE
# DIR holds loopback.json and plugin<N>-<type>.json (each plugin's config with name and cniVersion,
# written by the benchmark from the driver's config list). ADD runs the plugins in order, each given
# the previous result as prevResult; DEL runs them in reverse with the final result.
set -euo pipefail
dir=$1 id=$2 netns=$3
cni=/usr/lib/cni
export CNI_PATH=$cni CNI_CONTAINERID=$id CNI_NETNS=$netns CNI_ARGS=

with_prev() { # CONFIG-FILE RESULT: the config with "prevResult" added
    local body
    body=$(<"$1")
    if [ -n "$2" ]; then printf '%s,"prevResult":%s}' "${body%\}}" "$2"; else printf '%s' "$body"; fi
}

: > "$netns"
unshare --net="$netns" true
CNI_COMMAND=ADD CNI_IFNAME=lo "$cni/loopback" < "$dir/loopback.json" > /dev/null
mapfile -t plugins < <(ls "$dir"/plugin*.json | sort)
prev=
for conf in "${plugins[@]}"; do
    type=${conf##*-}; type=${type%.json}
    prev=$(with_prev "$conf" "$prev" | CNI_COMMAND=ADD CNI_IFNAME=eth0 "$cni/$type")
done
for ((i = ${#plugins[@]} - 1; i >= 0; i--)); do
    conf=${plugins[i]}
    type=${conf##*-}; type=${type%.json}
    with_prev "$conf" "$prev" | CNI_COMMAND=DEL CNI_IFNAME=eth0 "$cni/$type" > /dev/null
done
CNI_COMMAND=DEL CNI_IFNAME=lo "$cni/loopback" < "$dir/loopback.json" > /dev/null
umount "$netns"
rm -f "$netns"
