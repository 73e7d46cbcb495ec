/**
 * How the test and a BFF child talk, on both sides: the child prints a {@link listeningLine} once it
 * listens, then takes its configuration with `POST {CONFIG_PATH}`.
 */
import type { BffConfig } from '@cloakroom/bff';

/**
 * What the test sends a BFF child once the child listens: JSON, so that every runtime, workerd
 * included (no argv, no stdin), takes it the same way, over HTTP.
 */
export type RuntimeBffConfig = Pick<BffConfig, 'baseUrl' | 'issuer' | 'clientId' | 'clientSecret' | 'cookieSecret' | 'apis'>;

/** What the child answers to its configuration: which runtime it is, in its own words. */
export interface ConfiguredAnswer {
  runtime: string;
}

/** Where the child takes its configuration, once; afterwards the path is the BFF's (a 404). */
export const CONFIG_PATH = '/__runtime-matrix/config';

/** The line a spawned child prints once it listens; the test reads the port from it. */
export function listeningLine(port: number): string {
  return `listening on ${port}`;
}

/**
 * The port in a {@link listeningLine}, or in the line a host example prints (`Listening on
 * http://127.0.0.1:3000`); `undefined` for any other line.
 */
export function parseListeningLine(line: string): number | undefined {
  const match = /^listening on (?:https?:\/\/[^/\s]+:)?(\d+)\/?$/i.exec(line.trim());
  return match ? Number(match[1]) : undefined;
}
