/** The topics of `--help`, in the order they are shown, with their headings. */
export const HELP_GROUPS = {
  targets: 'Targets (defaults for what each request carries):',
  inputs: 'Inputs besides target lists (docs/inputs.md):',
  requests: 'Requests:',
  timeouts: 'Timeouts and retries:',
  tls: 'TLS and proxies:',
  expectations: 'Expectations (what counts as ok):',
  scale: 'Sharding and resuming (docs/scaling-out.md):',
  history: 'Runs over time (docs/runs-over-time.md):',
  output: 'Output:',
} as const;

export type HelpGroup = keyof typeof HELP_GROUPS;
