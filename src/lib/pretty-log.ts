import pretty from 'pino-pretty';

interface Line {
  req?: { method?: string; url?: string };
  res?: { statusCode?: number };
  responseTime?: number;
  code?: string;
  tenant?: string;
  face?: string;
  [key: string]: unknown;
}

/**
 * Log lines for a person at a terminal: time, level, and for a request one line of method, URL, status,
 * time, error code and tenant; other lines keep their fields after the message. (JSON otherwise, one
 * object per line, for log collectors.)
 */
export function prettyLogStream(colorize: boolean) {
  return pretty({
    colorize,
    singleLine: true,
    translateTime: 'HH:MM:ss.l',
    ignore: 'pid,hostname,reqId,req,res,responseTime,code,tenant,face',
    messageFormat: (log: Line, messageKey: string) => {
      const tenant = log.tenant ? `  tenant=${log.tenant}` : '';
      if (log.req && log.res) {
        const door = log.face === 's3' ? 'S3 ' : '';
        return `${door}${log.req.method} ${log.req.url} ${log.res.statusCode} ${log.responseTime} ms${log.code ? `  ${log.code}` : ''}${tenant}`;
      }
      return `${String(log[messageKey] ?? '')}${log.code ? `  ${log.code}` : ''}${tenant}`;
    },
  });
}
