/**
 * Why a Swarm start-first update cannot complete here, in one paragraph composed only from what the
 * run observed (task states and errors, the port probe, the kernel, dockerd's log, the NAT table).
 */
import type { SwarmFindings } from "../model";

export function composeSwarmReason(f: Pick<SwarmFindings, "ingress" | "hostModeStartFirst">, nodeAddress: string, port: number): string {
  const parts: string[] = [];
  if (f.ingress) {
    const running = f.ingress.taskStates.some((s) => /Running/.test(s));
    parts.push(
      f.ingress.portAnswered
        ? `With the routing mesh (ingress publish) the port answered this run.`
        : `With the routing mesh (ingress publish, Swarm's default) the service's task was ${running ? "running" : "not running"} but ${nodeAddress}:${port} never answered (${f.ingress.probeError ?? "no answer"}): ` +
            (f.ingress.ipvsInKernel ? "IPVS is in the kernel (/proc/net/ip_vs exists)" : "the kernel has no IPVS (no /proc/net/ip_vs), which the routing mesh load-balances with") +
            (f.ingress.dockerdLog.length ? `, dockerd logged "${f.ingress.dockerdLog[0]}"` : "") +
            `, and the node's NAT table held ${f.ingress.natRulesForPort} rule(s) for the port: the routing mesh never wired the published port to the task.`,
    );
  }
  if (f.hostModeStartFirst) {
    const h = f.hostModeStartFirst;
    const errors = [...new Set(h.newTaskErrors)];
    const onlyHostModeAnswers = !!f.ingress && !f.ingress.portAnswered;
    const state = h.updateState ?? "unknown";
    // Each clause below is said only when this run saw what it rests on: the port conflict in a task error, an update still waiting.
    const portConflict = errors.some((e) => /port already in use/i.test(e));
    parts.push(
      `With host-mode publish${onlyHostModeAnswers ? " (the only mode that answers here)" : ""}, \`docker service update --image v2\` with --update-order start-first ` +
        (state === "completed" ? `completed within ${h.waitedSeconds} s under load` : `was still "${state}" after ${h.waitedSeconds} s under load`) +
        (errors.length ? `; the new task stayed Pending with "${errors.join("; ")}"` : "") +
        (portConflict ? ": start-first needs the old and the new task to hold the same published port on the same node at once, which host mode forbids on a single node." : ".") +
        (state === "updating" ? " The update never fails either, so failure_action rollback never triggers; it just waits." : "") +
        ` Requests kept being answered by ${Object.keys(h.versionsServed).filter((k) => k !== "failed").join(", ") || "nobody"}.`,
    );
  }
  return parts.join(" ");
}
