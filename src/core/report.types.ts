/** The metrics.json document, exactly as docs/report-json.md fixes it, plus extra sections. */

export const TABLES = ['contacts', 'broadcast_events', 'services', 'service_messages'] as const;
export type TableName = (typeof TABLES)[number];

export const FUNNEL_STAGES = ['SENT', 'DELIVERED', 'READ', 'CLICKED', 'REPLIED'] as const;
export type FunnelStage = (typeof FUNNEL_STAGES)[number];

export interface Kpi {
  value: number;
  previous: number;
}

export interface DateRange {
  /** Local calendar date, inclusive (YYYY-MM-DD). */
  start: string;
  /** Local calendar date, inclusive (YYYY-MM-DD). */
  end: string;
}

export interface TableQuality {
  /** Rows read from the partitions the report needed. */
  rowsRead: number;
  /** Rows skipped: a required column missing or a value that cannot be parsed. */
  rowsSkipped: number;
}

export interface DataQuality {
  tables: Record<TableName, TableQuality>;
  /** Broadcast events in the report's partitions whose status is none of the known ones. */
  unknownStatusEvents: number;
  /** Services or service messages whose module (or direction) is none of the known ones. */
  unknownModuleRows: number;
  /** The dt of the contacts snapshot used (the newest one), or null when the tenant has none. */
  contactsSnapshot: string | null;
}

export interface ReportMetrics {
  schemaVersion: 1;
  tenantId: string;
  timezone: string;
  period: DateRange;
  previousPeriod: DateRange;
  attributionDays: number;
  kpis: {
    contactBase: Kpi;
    reachedContacts: Kpi;
    contactsInSales: Kpi;
    contactsInSupport: Kpi;
  };
  messageFunnel: { stage: FunnelStage; contacts: number }[];
  journeyFunnel: { stage: 'REACHED' | 'SALES'; contacts: number }[];
  contactsByMonth: { month: string; broadcast: number; sales: number; support: number; total: number }[];
  contactsByState: { state: string; contacts: number }[];
  dailyVolume: { date: string; broadcasts: number; salesServices: number; supportServices: number }[];
  serviceDistribution: { sales: number; support: number };
  salesHeatmap: { weekday: number; hour: number; messages: number }[];
  dataQuality: DataQuality;
  execution: ExecutionInfo;
}

export interface QueryExecution {
  query: string;
  engineMs: number;
  bytesScanned?: number;
}

export interface ExecutionInfo {
  engine: 'duckdb' | 'athena';
  generatedAt: string;
  totalMs: number;
  queries: QueryExecution[];
}
