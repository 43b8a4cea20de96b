// What counts as loopback, once: plain http is allowed only there (the local stack and tests), never in AWS.

const LOOPBACK_HOSTNAMES = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\])$/i;

/** A URL's hostname (no port) that names this machine. */
export const isLoopbackHost = (hostname: string): boolean => LOOPBACK_HOSTNAMES.test(hostname);

/** A Host header's value (`127.0.0.1:3000`) that names this machine. */
export const isLoopbackHostHeader = (host: string): boolean =>
  URL.canParse(`http://${host}`) && isLoopbackHost(new URL(`http://${host}`).hostname);
