namespace LibContainer.Tests.Spec;

/// <summary>config.json documents used by the spec tests.</summary>
internal static class SpecSamples
{
    /// <summary>
    /// A config.json with every section of the Linux runtime spec 1.2 set, in the order and form that
    /// <c>RuntimeSpec.ToJson</c> writes, so that a round trip must give back the same document.
    /// </summary>
    public const string Full = """
        {
          "ociVersion": "1.2.0",
          "root": {
            "path": "rootfs",
            "readonly": true
          },
          "mounts": [
            {
              "destination": "/proc",
              "type": "proc",
              "source": "proc"
            },
            {
              "destination": "/data",
              "type": "bind",
              "source": "/srv/data",
              "options": [
                "rbind",
                "ro",
                "idmap"
              ],
              "uidMappings": [
                {
                  "containerID": 0,
                  "hostID": 100000,
                  "size": 65536
                }
              ],
              "gidMappings": [
                {
                  "containerID": 0,
                  "hostID": 200000,
                  "size": 65536
                }
              ]
            }
          ],
          "process": {
            "terminal": true,
            "consoleSize": {
              "height": 25,
              "width": 80
            },
            "user": {
              "uid": 1,
              "gid": 2,
              "umask": 18,
              "additionalGids": [
                5,
                6
              ],
              "username": "daemon"
            },
            "args": [
              "/bin/sh",
              "-c",
              "echo hello"
            ],
            "env": [
              "PATH=/usr/bin:/bin",
              "GREETING=a+b&c<d>"
            ],
            "cwd": "/home",
            "capabilities": {
              "bounding": [
                "CAP_KILL",
                "CAP_NET_BIND_SERVICE"
              ],
              "effective": [
                "CAP_KILL"
              ],
              "inheritable": [
                "CAP_CHOWN"
              ],
              "permitted": [
                "CAP_KILL",
                "CAP_NET_BIND_SERVICE"
              ],
              "ambient": [
                "CAP_NET_BIND_SERVICE"
              ]
            },
            "rlimits": [
              {
                "type": "RLIMIT_NOFILE",
                "soft": 1024,
                "hard": 4096
              },
              {
                "type": "RLIMIT_CORE",
                "soft": 18446744073709551615,
                "hard": 18446744073709551615
              }
            ],
            "noNewPrivileges": true,
            "apparmorProfile": "acme_secure_profile",
            "oomScoreAdj": -500,
            "scheduler": {
              "policy": "SCHED_DEADLINE",
              "nice": -5,
              "priority": 0,
              "flags": [
                "SCHED_FLAG_RESET_ON_FORK"
              ],
              "runtime": 10000000,
              "deadline": 20000000,
              "period": 30000000
            },
            "selinuxLabel": "system_u:system_r:svirt_lxc_net_t:s0:c124,c675",
            "ioPriority": {
              "class": "IOPRIO_CLASS_BE",
              "priority": 4
            },
            "execCPUAffinity": {
              "initial": "7",
              "final": "0-3,7"
            }
          },
          "hostname": "web",
          "domainname": "example.org",
          "hooks": {
            "prestart": [
              {
                "path": "/usr/bin/fix-mounts",
                "args": [
                  "fix-mounts",
                  "arg1"
                ],
                "env": [
                  "key1=value1"
                ]
              }
            ],
            "createRuntime": [
              {
                "path": "/usr/bin/setup-network"
              }
            ],
            "createContainer": [
              {
                "path": "/usr/bin/mount-hook",
                "timeout": 5
              }
            ],
            "startContainer": [
              {
                "path": "/usr/bin/refresh-ldcache"
              }
            ],
            "poststart": [
              {
                "path": "/usr/bin/notify-start",
                "timeout": 5
              }
            ],
            "poststop": [
              {
                "path": "/usr/sbin/cleanup.sh",
                "args": [
                  "cleanup.sh",
                  "-f"
                ]
              }
            ]
          },
          "annotations": {
            "com.example.key1": "value1",
            "com.example.key2": "value2"
          },
          "linux": {
            "namespaces": [
              {
                "type": "pid"
              },
              {
                "type": "network",
                "path": "/var/run/netns/web"
              },
              {
                "type": "mount"
              },
              {
                "type": "ipc"
              },
              {
                "type": "uts"
              },
              {
                "type": "user"
              },
              {
                "type": "cgroup"
              },
              {
                "type": "time"
              }
            ],
            "uidMappings": [
              {
                "containerID": 0,
                "hostID": 100000,
                "size": 65536
              }
            ],
            "gidMappings": [
              {
                "containerID": 0,
                "hostID": 200000,
                "size": 65536
              }
            ],
            "timeOffsets": {
              "monotonic": {
                "secs": 172800,
                "nanosecs": 0
              },
              "boottime": {
                "secs": -86400,
                "nanosecs": 500
              }
            },
            "devices": [
              {
                "type": "c",
                "path": "/dev/fuse",
                "major": 10,
                "minor": 229,
                "fileMode": 438,
                "uid": 0,
                "gid": 0
              },
              {
                "type": "p",
                "path": "/dev/fifo"
              }
            ],
            "cgroupsPath": "/myRuntime/myContainer",
            "resources": {
              "devices": [
                {
                  "allow": false,
                  "access": "rwm"
                },
                {
                  "allow": true,
                  "type": "c",
                  "major": 10,
                  "minor": 229,
                  "access": "rw"
                }
              ],
              "memory": {
                "limit": 536870912,
                "reservation": 536870912,
                "swap": -1,
                "kernel": -1,
                "kernelTCP": -1,
                "swappiness": 0,
                "disableOOMKiller": false,
                "useHierarchy": true,
                "checkBeforeUpdate": true
              },
              "cpu": {
                "shares": 1024,
                "quota": 1000000,
                "burst": 1000000,
                "period": 500000,
                "realtimeRuntime": 950000,
                "realtimePeriod": 1000000,
                "cpus": "2-3",
                "mems": "0-7",
                "idle": 0
              },
              "pids": {
                "limit": 32771
              },
              "blockIO": {
                "weight": 10,
                "leafWeight": 10,
                "weightDevice": [
                  {
                    "major": 8,
                    "minor": 0,
                    "weight": 500,
                    "leafWeight": 300
                  }
                ],
                "throttleReadBpsDevice": [
                  {
                    "major": 8,
                    "minor": 0,
                    "rate": 600
                  }
                ],
                "throttleWriteBpsDevice": [
                  {
                    "major": 8,
                    "minor": 16,
                    "rate": 700
                  }
                ],
                "throttleReadIOPSDevice": [
                  {
                    "major": 8,
                    "minor": 32,
                    "rate": 300
                  }
                ],
                "throttleWriteIOPSDevice": [
                  {
                    "major": 8,
                    "minor": 48,
                    "rate": 400
                  }
                ]
              },
              "hugepageLimits": [
                {
                  "pageSize": "2MB",
                  "limit": 209715200
                }
              ],
              "network": {
                "classID": 1048577,
                "priorities": [
                  {
                    "name": "eth0",
                    "priority": 500
                  }
                ]
              },
              "rdma": {
                "mlx5_1": {
                  "hcaHandles": 3,
                  "hcaObjects": 10000
                }
              },
              "unified": {
                "io.max": "259:0 rbps=2097152 wiops=120",
                "memory.high": "1073741824"
              }
            },
            "rootfsPropagation": "rslave",
            "seccomp": {
              "defaultAction": "SCMP_ACT_ERRNO",
              "defaultErrnoRet": 38,
              "architectures": [
                "SCMP_ARCH_X86_64",
                "SCMP_ARCH_X86"
              ],
              "flags": [
                "SECCOMP_FILTER_FLAG_LOG"
              ],
              "listenerPath": "/run/seccomp-agent.socket",
              "listenerMetadata": "metadata",
              "syscalls": [
                {
                  "names": [
                    "getcwd",
                    "chmod"
                  ],
                  "action": "SCMP_ACT_ALLOW"
                },
                {
                  "names": [
                    "personality"
                  ],
                  "action": "SCMP_ACT_ERRNO",
                  "errnoRet": 1,
                  "args": [
                    {
                      "index": 0,
                      "value": 255,
                      "valueTwo": 8,
                      "op": "SCMP_CMP_MASKED_EQ"
                    }
                  ]
                }
              ]
            },
            "sysctl": {
              "net.ipv4.ip_forward": "1",
              "kernel.shmmax": "4294967296"
            },
            "maskedPaths": [
              "/proc/kcore"
            ],
            "readonlyPaths": [
              "/proc/sys"
            ],
            "mountLabel": "system_u:object_r:svirt_sandbox_file_t:s0:c715,c811",
            "intelRdt": {
              "closID": "guaranteed_group",
              "l3CacheSchema": "L3:0=7f0;1=1f",
              "memBwSchema": "MB:0=20;1=70",
              "enableCMT": true,
              "enableMBM": true
            },
            "personality": {
              "domain": "LINUX",
              "flags": [
                "ADDR_NO_RANDOMIZE"
              ]
            }
          }
        }

        """;

    /// <summary>The smallest config that parses: only the REQUIRED properties.</summary>
    public const string Minimal = """
        {
          "ociVersion": "1.2.0",
          "root": { "path": "rootfs" },
          "process": { "user": { "uid": 0, "gid": 0 }, "args": ["sh"], "cwd": "/" }
        }
        """;
}
