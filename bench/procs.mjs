/**
 * Child processes for the bench: CPU pinning with taskset, readiness on a JSON stdout line, memory and
 * CPU sampling from /proc, and a registry so every child is killed however the bench ends.
 */
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';

const children = new Set();
// Each server prints the same start-up warnings; show each distinct line once.
const printed = new Set();

let tasksetChecked = null;
/** Whether `taskset` can pin here; warns once (unpinned figures are noisier and not comparable). */
export function canPin() {
  if (tasksetChecked !== null) return tasksetChecked;
  try {
    execFileSync('taskset', ['-p', String(process.pid)], { stdio: 'ignore' });
    tasksetChecked = true;
  } catch {
    tasksetChecked = false;
    process.stderr.write(
      '\n!! WARNING: `taskset` is missing or not permitted (util-linux). Running UNPINNED: the server and\n' +
        '!! the load generator compete for both cores, so the figures are not comparable to pinned runs.\n\n',
    );
  }
  return tasksetChecked;
}

/** Pins this process, all of its threads, to `cpu`; children it spawns later inherit the mask. */
export function pinSelf(cpu) {
  if (!canPin()) return false;
  execFileSync('taskset', ['-a', '-p', '-c', String(cpu), String(process.pid)], { stdio: 'ignore' });
  return true;
}

/**
 * Spawns `node args…` pinned to `cpu` (taskset execs node, so the pid is node's own). stdout is read
 * line by line; stderr is passed through with a label so a crash is visible in the bench output.
 */
export function spawnNode(label, args, { cpu, env, ipc = false, cwd } = {}) {
  const pin = cpu !== undefined && canPin();
  const command = pin ? 'taskset' : process.execPath;
  const argv = pin ? ['-c', String(cpu), process.execPath, ...args] : args;
  const child = spawn(command, argv, {
    cwd,
    env,
    stdio: ['ignore', 'pipe', 'pipe', ...(ipc ? ['ipc'] : [])],
  });
  children.add(child);
  const lines = [];
  const waiters = [];
  createInterface({ input: child.stdout }).on('line', (line) => {
    lines.push(line);
    for (const waiter of waiters.splice(0)) waiter();
  });
  const stderr = [];
  createInterface({ input: child.stderr }).on('line', (line) => {
    stderr.push(line);
    if (stderr.length > 200) stderr.shift();
    const key = line.replace(/^\(node:\d+\) /, '');
    if (printed.has(key)) return;
    printed.add(key);
    process.stderr.write(`  [${label}] ${line}\n`);
  });
  const exited = new Promise((resolve) => {
    child.once('exit', (code, signal) => {
      children.delete(child);
      for (const waiter of waiters.splice(0)) waiter();
      resolve({ code, signal });
    });
  });
  let exitInfo = null;
  exited.then((info) => {
    exitInfo = info;
  });

  return {
    label,
    child,
    pid: child.pid,
    exited,
    /** Resolves with the first stdout line that parses as JSON and satisfies `accept`. */
    async waitForJson(accept = () => true, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      let seen = 0;
      for (;;) {
        for (; seen < lines.length; seen += 1) {
          try {
            const value = JSON.parse(lines[seen]);
            if (accept(value)) return value;
          } catch {
            // Not JSON (a log line): keep looking.
          }
        }
        if (exitInfo) {
          throw new Error(
            `${label} exited (${exitInfo.code ?? exitInfo.signal}) before it was ready:\n${stderr.slice(-20).join('\n')}`,
          );
        }
        if (Date.now() > deadline) throw new Error(`${label} was not ready within ${timeoutMs} ms`);
        await new Promise((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 100);
        });
      }
    },
    /** SIGTERM (graceful: Tagbridge flushes its group commit), then SIGKILL after `graceMs`. */
    async stop(graceMs = 15_000) {
      if (exitInfo) return exitInfo;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      const info = await exited;
      clearTimeout(timer);
      return info;
    },
  };
}

/** Kills every child still running (bench failure, Ctrl-C). Synchronous so it works in 'exit'. */
export function killAll() {
  for (const child of children) {
    try {
      child.kill('SIGKILL');
    } catch {
      // Already gone.
    }
  }
  children.clear();
}

/** VmRSS / VmHWM (peak) of a process in bytes, or null once it is gone. */
export function memoryOf(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (name) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0) * 1024;
    return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
  } catch {
    return null;
  }
}

const TICKS = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/**
 * CPU seconds (user + system) a process has used so far, or null once it is gone. With `thread`, that one
 * thread's (a Linux task id; the main thread's is the pid).
 */
export function cpuSecondsOf(pid, thread) {
  try {
    const stat = readFileSync(
      thread === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${thread}/stat`,
      'utf8',
    );
    // Fields after the ")" of the command name; utime and stime are fields 14 and 15 overall.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS;
  } catch {
    return null;
  }
}

/**
 * Samples a process every `intervalMs` while a phase runs: memory (VmHWM is the kernel's own peak, exact;
 * the samples show whether it was a spike or a plateau) and CPU time, so utilisation can be computed over
 * exactly the window the load ran (see cpuCoresBetween).
 */
export function sampleProcess(pid, intervalMs = 100) {
  let maxRss = 0;
  let last = null;
  const samples = [];
  const take = () => {
    const mem = memoryOf(pid);
    const cpu = cpuSecondsOf(pid);
    // The main thread alone (the event loop): the rest is the SQLite writer thread, V8's GC and compiler
    // helpers and libuv's pool, which a CPU profile of the main thread does not show.
    const mainCpu = cpuSecondsOf(pid, pid);
    if (!mem || cpu === null || mainCpu === null) return;
    last = mem;
    maxRss = Math.max(maxRss, mem.rss);
    samples.push({ t: performance.now(), cpu, mainCpu });
  };
  take();
  const timer = setInterval(take, intervalMs);
  timer.unref();
  return {
    stop() {
      clearInterval(timer);
      take();
      const mem = memoryOf(pid) ?? last;
      return {
        maxSampledRssBytes: Math.max(maxRss, mem?.rss ?? 0),
        peakRssBytes: mem?.hwm ?? maxRss,
        /**
         * CPU cores used between two performance.now() times (1.0 = one core busy throughout); `of`: 'cpu'
         * for the whole process, 'mainCpu' for its main thread.
         */
        cpuCoresBetween(t0, t1, of = 'cpu') {
          const at = (t) => {
            let i = samples.findIndex((s) => s.t >= t);
            if (i < 0) i = samples.length - 1;
            if (i === 0) return samples[0][of];
            const a = samples[i - 1];
            const b = samples[i];
            return a[of] + ((b[of] - a[of]) * (t - a.t)) / Math.max(b.t - a.t, 1e-9);
          };
          return samples.length < 2 || t1 <= t0 ? null : (at(t1) - at(t0)) / ((t1 - t0) / 1000);
        },
      };
    },
  };
}

/** Busy CPU seconds of the whole machine (all CPUs: user, nice, system, irq, softirq, steal). */
function machineBusySeconds() {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0];
    const [user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number);
    return (user + nice + system + irq + softirq + steal) / TICKS;
  } catch {
    return null;
  }
}

/**
 * Measures how much CPU was used during a phase by processes other than `pids` (and this one): other
 * sessions' builds and tests on a shared machine skew a benchmark, and the figures should say so.
 * Kernel time for loopback networking is counted as "other" too, so a few percent is normal.
 * `stop(morePids)` counts processes that started during the phase as ours too (PostgreSQL backends of
 * the run's database): from zero, so their whole CPU time is ours.
 */
export function watchContention(pids) {
  const cpuOf = (list) => new Map(list.map((pid) => [pid, cpuSecondsOf(pid)]));
  const before = { t: performance.now(), busy: machineBusySeconds(), pids: cpuOf(pids), self: selfCpu() };
  return {
    /** Cores' worth of CPU used by everything else, averaged over the phase. */
    stop(morePids = []) {
      const after = {
        t: performance.now(),
        busy: machineBusySeconds(),
        pids: cpuOf([...new Set([...pids, ...morePids])]),
        self: selfCpu(),
      };
      if (before.busy === null || after.busy === null) return null;
      let ours = after.self - before.self;
      for (const [pid, cpu] of after.pids) {
        // A process gone by now (null) is left out rather than counted as giving CPU back.
        if (cpu !== null) ours += cpu - (before.pids.get(pid) ?? 0);
      }
      const seconds = (after.t - before.t) / 1000;
      return Math.max(0, (after.busy - before.busy - ours) / seconds);
    },
  };
}

function selfCpu() {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1e6;
}
