import type { LogFn, Logger } from 'pino';

/**
 * Nest announces every module, controller and route as it starts (about 60
 * lines at `info`): useful when a route is missing, noise otherwise. Those
 * contexts are logged at `debug`, so LOG_LEVEL=debug still shows them; the
 * start and the errors of the same components stay where they were.
 */
const STARTUP_CONTEXTS = new Set(['InstanceLoader', 'RoutesResolver', 'RouterExplorer']);
const INFO = 30;

export function demoteStartupChatter(this: Logger, args: Parameters<LogFn>, method: LogFn, level: number): void {
  const first = args[0] as unknown;
  if (level === INFO && typeof first === 'object' && first !== null) {
    const context = (first as { context?: unknown }).context;
    if (typeof context === 'string' && STARTUP_CONTEXTS.has(context)) {
      this.debug(...args);
      return;
    }
  }
  method.apply(this, args);
}
