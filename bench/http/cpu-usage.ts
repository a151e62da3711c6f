import * as fs from 'node:fs';

/** CPU time a process used so far, split between its main (request) thread and all its other threads. */
export interface CpuSample {
  readonly mainMs: number;
  readonly otherMs: number;
}

/** Linux reports thread times in USER_HZ ticks, 100 a second on every kernel the bench runs on. */
const MS_PER_TICK = 10;

/**
 * From /proc/<pid>/task/<tid>/stat (utime + stime); undefined where there is no /proc. The main
 * thread's id is the process id; the others are the projection worker, V8's GC helpers, libuv.
 */
export function sampleCpu(pid: number): CpuSample | undefined {
  const tasks = `/proc/${pid}/task`;
  if (!fs.existsSync(tasks)) return undefined;
  let mainMs = 0;
  let otherMs = 0;
  for (const tid of fs.readdirSync(tasks)) {
    let stat: string;
    try {
      stat = fs.readFileSync(`${tasks}/${tid}/stat`, 'utf8');
    } catch {
      continue; // the thread ended between the listing and the read
    }
    // Fields after the parenthesised name: state is field 3, utime 14 and stime 15 (1-based).
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ms = (Number(fields[11]) + Number(fields[12])) * MS_PER_TICK;
    if (tid === String(pid)) mainMs += ms;
    else otherMs += ms;
  }
  return { mainMs, otherMs };
}

/** CPU per unit of work (request, record) between two samples, in µs, for a figure's note. */
export function cpuPerUnit(
  before: CpuSample | undefined,
  after: CpuSample | undefined,
  units: number,
  loadGeneratorMs: number,
): string {
  const us = (ms: number) => Math.round((ms * 1000) / units);
  const generator = `load generator ${us(loadGeneratorMs)}`;
  if (before === undefined || after === undefined) return `CPU per unit: ${generator} µs (no /proc here)`;
  const main = after.mainMs - before.mainMs;
  const other = after.otherMs - before.otherMs;
  return `CPU per unit: server ${us(main + other)} µs (request thread ${us(main)}, other threads ${us(other)}), ${generator} µs`;
}
