import type { NextFunction, Request, Response } from 'express';

/** One JSON line per request on stdout: method, path, status, duration. */
export function requestLogger(req: Request, res: Response, next: NextFunction): void {
  const start = process.hrtime.bigint();
  res.on('finish', () => {
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    process.stdout.write(
      JSON.stringify({
        time: new Date().toISOString(),
        msg: 'request',
        method: req.method,
        path: req.originalUrl.split('?')[0],
        status: res.statusCode,
        duration_ms: Math.round(ms * 100) / 100,
        user: (req as Request & { user?: { username: string } }).user?.username,
      }) + '\n',
    );
  });
  next();
}
