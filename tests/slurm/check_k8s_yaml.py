#!/usr/bin/env python3
"""check_k8s_yaml.py FILE (ctest test_k8s_yaml): scripts/k8s/restore-job.yaml
parses as YAML and says what docs/cluster.md says: an Indexed Job whose
completions equal the SEGMENTS it passes to --segment $JOB_COMPLETION_INDEX/N,
one GPU per pod, restartPolicy Never; then a join Job of the same volume.
No cluster is needed (kubectl is not on the CI machine)."""
import sys

import yaml


def main(path):
    with open(path, encoding="utf-8") as f:
        docs = [d for d in yaml.safe_load_all(f) if d]
    assert len(docs) == 2, f"{path}: {len(docs)} documents, expected the segments and the join"
    seg, join = docs
    for d in docs:
        assert d["apiVersion"] == "batch/v1" and d["kind"] == "Job", d.get("kind")
    spec = seg["spec"]
    assert spec["completionMode"] == "Indexed", "the segments are an Indexed Job"
    pod = spec["template"]["spec"]
    assert pod["restartPolicy"] == "Never"
    c = pod["containers"][0]
    env = {e["name"]: e["value"] for e in c["env"]}
    assert int(env["SEGMENTS"]) == spec["completions"], "SEGMENTS != completions"
    cmd = " ".join(c["command"] + c["args"])
    assert '--segment "$JOB_COMPLETION_INDEX/$SEGMENTS"' in cmd, cmd
    assert c["resources"]["limits"]["nvidia.com/gpu"] == 1, "one GPU per pod"
    jc = join["spec"]["template"]["spec"]["containers"][0]
    assert jc["command"][:2] == ["oprestore-gpu", "join"], jc["command"]
    claim = lambda p: {v["name"]: v["persistentVolumeClaim"]["claimName"]
                       for v in p["spec"]["template"]["spec"]["volumes"]}["data"]
    assert claim(seg) == claim(join), "the join reads the segments' volume"
    print(f"{path}: Indexed Job of {spec['completions']} pods, one GPU each, and the join: ok")


if __name__ == "__main__":
    main(sys.argv[1])
