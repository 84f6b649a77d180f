#!/usr/bin/python3
"""Checks hem's generated Kubernetes manifests without a cluster.

  check_manifests.py MANIFESTS --bin_dir=DIR --entrypoint=FILE [--secret=FILE]
      [--shards=N] [--actors=N] [--gpus=N] [--namespace=NS] [--actor_arg=ARG]

Cases (GoogleTest-style lines, so tests/run_tests.sh counts them):
  ParseAsYaml                    a real YAML parser (python3-yaml) reads every
                                 document; each is an object with apiVersion,
                                 kind and metadata.name, in the expected namespace
  EveryArgIsAFlagOfItsBinary     every container argument is a flag that the
                                 binary the container runs lists in --helpfull
                                 (actor_entrypoint.sh: the actor's flags, and the
                                 ones the script adds); $(VAR)s are set in env
  EveryAddressNamesAServiceAndPort  every host:port in an argument names a
                                 declared Service (or a StatefulSet pod behind its
                                 headless Service) in the namespace, one of its
                                 ports, and the port its pods listen on; none is
                                 loopback or rdzv:
  ReplicasResourcesAndCredentials  shards, actors and the learner's GPU as asked;
                                 selectors match their pods; every pod mounts the
                                 credentials Secret, which holds the four files
"""
import argparse
import base64
import re
import subprocess
import sys

import yaml

IMAGE_BIN = "/opt/hem/bin/"
ADDRESS = re.compile(r"^([A-Za-z0-9.-]+):([0-9]+)$")


class Case:
    def __init__(self, name):
        self.name = name
        self.why = []

    def check(self, ok, why):
        if not ok:
            self.why.append(why)
        return ok

    def report(self):
        print(f"[ RUN      ] K8sManifests.{self.name}")
        for why in self.why[:20]:
            print(f"  {why}")
        verdict = "[       OK ]" if not self.why else "[  FAILED  ]"
        print(f"{verdict} K8sManifests.{self.name} (0 ms)")
        return not self.why


_flags = {}


def binary_flags(path):
    """Flag names `path --helpfull` lists."""
    if path not in _flags:
        out = subprocess.run([path, "--helpfull"], capture_output=True, text=True, timeout=60)
        _flags[path] = set(re.findall(r"^\s+--([A-Za-z0-9_]+) ", out.stdout + out.stderr, re.M))
    return _flags[path]


def accepts(flags, arg):
    if not arg.startswith("--"):
        return False
    name = arg[2:].split("=", 1)[0]
    return name in flags or (name.startswith("no") and "=" not in arg and name[2:] in flags)


def workloads(docs):
    return [d for d in docs if d.get("kind") in ("StatefulSet", "Deployment")]


def containers(workload):
    return workload["spec"]["template"]["spec"]["containers"]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("manifests")
    parser.add_argument("--bin_dir", required=True)
    parser.add_argument("--entrypoint", required=True)
    parser.add_argument("--secret")
    parser.add_argument("--shards", type=int)
    parser.add_argument("--actors", type=int)
    parser.add_argument("--gpus", type=int)
    parser.add_argument("--namespace")
    parser.add_argument("--actor_arg", help="an argument the actors must get verbatim")
    args = parser.parse_args()

    # --- ParseAsYaml ---------------------------------------------------------
    parsed = Case("ParseAsYaml")
    docs = []
    try:
        with open(args.manifests) as f:
            docs = [d for d in yaml.safe_load_all(f) if d is not None]
    except yaml.YAMLError as e:
        parsed.check(False, f"{args.manifests} is not YAML: {e}")
    parsed.check(len(docs) >= 6, f"only {len(docs)} documents")
    for d in docs:
        if not parsed.check(isinstance(d, dict) and "apiVersion" in d and "kind" in d
                            and "name" in d.get("metadata", {}), f"not an object: {d!r:.200}"):
            continue
        if d["kind"] != "Namespace" and args.namespace:
            parsed.check(d["metadata"].get("namespace") == args.namespace,
                         f"{d['kind']} {d['metadata']['name']} is not in namespace {args.namespace}")
    kinds = sorted(d.get("kind", "?") for d in docs if isinstance(d, dict))
    print(f"  {len(docs)} documents: {', '.join(kinds)}")
    docs = [d for d in docs if isinstance(d, dict) and "kind" in d]

    # --- EveryArgIsAFlagOfItsBinary -------------------------------------------
    flagged = Case("EveryArgIsAFlagOfItsBinary")
    with open(args.entrypoint) as f:
        entry = f.read()
    entry_exec = re.search(r"^exec (\S+) (.*)$", entry, re.M)
    checked = 0
    for w in workloads(docs):
        for c in containers(w):
            command = c.get("command", [])
            where = f"{w['metadata']['name']}/{c['name']}"
            if not flagged.check(len(command) == 1 and command[0].startswith(IMAGE_BIN),
                                 f"{where}: command {command} is not one binary under {IMAGE_BIN}"):
                continue
            binary = command[0][len(IMAGE_BIN):]
            if binary == "deploy/k8s/actor_entrypoint.sh":
                flagged.check(entry_exec is not None, "actor_entrypoint.sh execs nothing")
                binary = entry_exec.group(1)[len(IMAGE_BIN):]
                for added in entry_exec.group(2).split():
                    if added.startswith("--"):
                        flagged.check(accepts(binary_flags(f"{args.bin_dir}/{binary}"), added),
                                      f"actor_entrypoint.sh passes {added}, which {binary} lacks")
                        flagged.check(all(not a.startswith(added.split("=")[0] + "=")
                                          for a in c.get("args", [])),
                                      f"{where}: {added.split('=')[0]} given twice")
            flags = binary_flags(f"{args.bin_dir}/{binary}")
            flagged.check(len(flags) > 10, f"{binary} --helpfull lists only {len(flags)} flags")
            env = {e["name"] for e in c.get("env", [])}
            for arg in c.get("args", []):
                checked += 1
                flagged.check(accepts(flags, arg), f"{where}: {arg} is not a flag of {binary}")
                for var in re.findall(r"\$\(([A-Za-z_][A-Za-z0-9_]*)\)", arg):
                    flagged.check(var in env, f"{where}: {arg} uses $({var}), not in its env")
    print(f"  {checked} arguments checked against --helpfull")

    # --- EveryAddressNamesAServiceAndPort ------------------------------------
    addressed = Case("EveryAddressNamesAServiceAndPort")
    services = {d["metadata"]["name"]: d for d in docs if d["kind"] == "Service"}

    def backing(service):
        """Workloads whose pods the Service selects."""
        selector = service["spec"].get("selector", {})
        return [w for w in workloads(docs)
                if selector and all(w["spec"]["template"]["metadata"]["labels"].get(k) == v
                                    for k, v in selector.items())]

    def resolve(host, port):
        parts = host.split(".")
        if len(parts) == 3 and parts[1:] == [args.namespace, "svc"] or len(parts) == 1:
            pod, service_name = None, parts[0]
        elif len(parts) == 4 and parts[2:] == [args.namespace, "svc"] or len(parts) == 2:
            pod, service_name = parts[0], parts[1]
        else:
            return f"{host} is not <service>.{args.namespace}.svc or <pod>.<service>.{args.namespace}.svc"
        service = services.get(service_name)
        if service is None:
            return f"{host}: no Service {service_name}"
        if port not in [p["port"] for p in service["spec"]["ports"]]:
            return f"{host}:{port}: Service {service_name} has no port {port}"
        behind = backing(service)
        if not behind:
            return f"{host}: Service {service_name} selects no workload"
        if pod is not None:
            owners = [w for w in behind if w["kind"] == "StatefulSet"
                      and w["spec"].get("serviceName") == service_name
                      and re.fullmatch(re.escape(w["metadata"]["name"]) + r"-([0-9]+)", pod)
                      and int(pod.rsplit("-", 1)[1]) < w["spec"]["replicas"]]
            if not owners:
                return f"{host}: no StatefulSet pod {pod} governed by {service_name}"
            behind = owners
        for w in behind:
            ports = [p["containerPort"] for c in containers(w) for p in c.get("ports", [])]
            if port not in ports:
                return f"{host}:{port}: {w['metadata']['name']} listens on {ports}"
        return None

    addresses = 0
    for w in workloads(docs):
        for c in containers(w):
            for arg in c.get("args", []):
                value = arg.split("=", 1)[1] if "=" in arg else ""
                addressed.check("rdzv:" not in value, f"{arg}: a rendezvous address on Kubernetes")
                for entry in value.split(","):
                    m = ADDRESS.match(entry)
                    if not m:
                        continue
                    addresses += 1
                    host, port = m.group(1), int(m.group(2))
                    addressed.check(not (host.startswith("127.") or host == "localhost"),
                                    f"{arg}: loopback")
                    why = resolve(host, port)
                    addressed.check(why is None, f"{w['metadata']['name']}: {arg}: {why}")
    names = [a.split("=")[0] for w in workloads(docs) for c in containers(w)
             for a in c.get("args", []) if ADDRESS.match(a.split("=", 1)[-1].split(",")[0])]
    addressed.check({"--replay", "--learner"} <= set(names),
                    f"address flags found: {sorted(set(names))}, expected --replay and --learner")
    print(f"  {addresses} addresses resolved to Services and ports")

    # --- ReplicasResourcesAndCredentials -------------------------------------
    shaped = Case("ReplicasResourcesAndCredentials")
    by_component = {w["metadata"]["labels"].get("app.kubernetes.io/component"): w
                    for w in workloads(docs)}
    for component, kind in (("replay", "StatefulSet"), ("learner", "StatefulSet"),
                            ("actor", "Deployment"), ("evaluator", "Deployment")):
        w = by_component.get(component)
        if shaped.check(w is not None and w["kind"] == kind, f"no {kind} for {component}"):
            labels = w["spec"]["template"]["metadata"]["labels"]
            shaped.check(all(labels.get(k) == v for k, v in
                             w["spec"]["selector"]["matchLabels"].items()),
                         f"{component}: selector does not match its pods")
            shaped.check(w["spec"]["template"]["spec"].get("restartPolicy") == "Always",
                         f"{component}: restartPolicy is not Always")
            for c in containers(w):
                shaped.check("cpu" in c.get("resources", {}).get("requests", {}) and
                             "memory" in c["resources"]["requests"],
                             f"{component}: no cpu and memory requests")
    if args.shards is not None and "replay" in by_component:
        r = by_component["replay"]
        shaped.check(r["spec"]["replicas"] == args.shards,
                     f"replay replicas {r['spec']['replicas']} != {args.shards}")
        shaped.check(r["spec"].get("serviceName") in services and
                     services[r["spec"]["serviceName"]]["spec"].get("clusterIP") == "None",
                     "replay StatefulSet is not governed by a headless Service")
        shaped.check(any("--shard_index=$(POD_INDEX)" == a for a in containers(r)[0]["args"]),
                     "shards do not take their index from the pod")
        shaped.check(any(f"--num_shards={args.shards}" == a for a in containers(r)[0]["args"]),
                     f"shards are not told --num_shards={args.shards}")
    if args.actors is not None and "actor" in by_component:
        a = by_component["actor"]
        shaped.check(a["spec"]["replicas"] == args.actors,
                     f"actor replicas {a['spec']['replicas']} != {args.actors}")
        if args.actor_arg is not None:
            shaped.check(args.actor_arg in containers(a)[0]["args"],
                         f"the actors lack the argument {args.actor_arg!r}: {containers(a)[0]['args']}")
    if args.gpus is not None and "learner" in by_component:
        limits = containers(by_component["learner"])[0]["resources"].get("limits", {})
        got = int(limits.get("nvidia.com/gpu", 0))
        shaped.check(got == args.gpus, f"learner nvidia.com/gpu {got} != {args.gpus}")
    secret_names = {v["secret"]["secretName"] for w in workloads(docs)
                    for v in w["spec"]["template"]["spec"].get("volumes", []) if "secret" in v}
    for w in workloads(docs):
        mounts = [m["mountPath"] for c in containers(w) for m in c.get("volumeMounts", [])]
        args_of = [a for c in containers(w) for a in c.get("args", [])]
        dirs = [a.split("=", 1)[1] for a in args_of if a.startswith("--credentials_dir=")]
        shaped.check(dirs and dirs[0] in mounts,
                     f"{w['metadata']['name']}: --credentials_dir {dirs} is not a mounted volume")
    if args.secret:
        with open(args.secret) as f:
            secrets = [d for d in yaml.safe_load_all(f) if d is not None]
        shaped.check(len(secrets) == 1 and secrets[0]["kind"] == "Secret" and
                     secrets[0]["metadata"]["name"] in secret_names,
                     f"the Secret is not the one the pods mount ({secret_names})")
        data = secrets[0].get("data", {}) if secrets else {}
        shaped.check(sorted(data) == ["ca.crt", "node.crt", "node.key", "token"],
                     f"Secret keys {sorted(data)}")
        token = base64.b64decode(data.get("token", "")).decode().strip()
        shaped.check(re.fullmatch(r"[0-9a-f]{64}", token) is not None, "the token is not 64 hex")
        shaped.check(b"BEGIN CERTIFICATE" in base64.b64decode(data.get("ca.crt", "")),
                     "ca.crt is not a PEM certificate")

    ok = all([case.report() for case in (parsed, flagged, addressed, shaped)])
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
