/** What matching needs of an alert: its labels and annotations. */
export interface MatchableAlert {
  labels: Readonly<Record<string, string>>;
  annotations?: Readonly<Record<string, string>>;
}
