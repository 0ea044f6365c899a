// What operators watch, as CloudWatch metrics in the embedded metric format
// (EMF): a task records its points through `TaskMetrics`, the Lambda runtime
// writes them with Powertools Metrics as EMF documents on stdout, which
// CloudWatch Logs turns into metrics with no API call. Locally no one
// records them (TaskDependencies.metrics is absent), so the CLI's output
// stays the CLI's.
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { METRICS_NAMESPACE, type MetricPoint, type MetricUnitName } from '../domain/metrics.ts';

/** The service dimension Powertools adds to every metric. */
export const METRICS_SERVICE = 'restorable';

export interface TaskMetrics {
  /** Writes the points at once; points of the same dimensions share one document. */
  record(points: readonly MetricPoint[]): void;
}

const UNITS: Record<MetricUnitName, (typeof MetricUnit)[keyof typeof MetricUnit]> = {
  Count: MetricUnit.Count,
  Seconds: MetricUnit.Seconds,
};

/** EMF documents hold at most 100 metrics; Powertools flushes past that itself, this keeps groups small. */
const MAX_POINTS_PER_DOCUMENT = 100;

/**
 * Powertools Metrics writing one EMF document per set of dimensions, each
 * with the deployment's dimension.
 */
export function powertoolsTaskMetrics(options: {
  readonly deployment: string;
  readonly namespace?: string;
  /** Where the documents go; stdout (as Lambda wants them) by default. */
  readonly metrics?: Metrics;
}): TaskMetrics {
  const metrics =
    options.metrics ??
    new Metrics({ namespace: options.namespace ?? METRICS_NAMESPACE, serviceName: METRICS_SERVICE });
  metrics.setDefaultDimensions({ Deployment: options.deployment });
  return {
    record(points) {
      const groups = new Map<string, MetricPoint[]>();
      for (const point of points) {
        if (!Number.isFinite(point.value)) continue;
        const key = JSON.stringify(
          Object.entries(point.dimensions ?? {}).sort(([a], [b]) => a.localeCompare(b)),
        );
        const group = groups.get(key) ?? [];
        group.push(point);
        groups.set(key, group);
      }
      for (const group of groups.values()) {
        for (let start = 0; start < group.length; start += MAX_POINTS_PER_DOCUMENT) {
          const slice = group.slice(start, start + MAX_POINTS_PER_DOCUMENT);
          const dimensions = slice[0]?.dimensions;
          if (dimensions !== undefined && Object.keys(dimensions).length > 0)
            metrics.addDimensions({ ...dimensions });
          for (const point of slice) metrics.addMetric(point.name, UNITS[point.unit], point.value);
          metrics.publishStoredMetrics();
        }
      }
    },
  };
}
