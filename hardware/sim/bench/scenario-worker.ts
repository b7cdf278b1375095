/** The body of one bench worker thread (parallel.ts): runs the scenarios it is sent, one at a time. */
import { parentPort, workerData } from "node:worker_threads";
import { runJob, type ScenarioJob } from "./parallel.ts";

const port = parentPort!;
port.on("message", (job: ScenarioJob) => {
  void runJob(job, workerData.profile, workerData.hostSilence ?? undefined, workerData.lopConfirmed === true).then((outcome) => port.postMessage(outcome));
});
port.postMessage("ready");
