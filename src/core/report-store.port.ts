/** Where reports are archived: a folder locally, an S3 bucket in production. Keys use '/' separators. */
export interface StoredObject {
  key: string;
  size: number;
  lastModified: Date;
}

export interface ReportStore {
  put(key: string, body: string | Uint8Array, contentType: string): Promise<void>;
  /** Creates the object only when the key is free: true when this call created it (a conditional write). */
  putIfAbsent(key: string, body: string | Uint8Array, contentType: string): Promise<boolean>;
  /** Removes the object; no error when it does not exist. */
  delete(key: string): Promise<void>;
  /** The object's bytes, or null when there is no such key. */
  get(key: string): Promise<Buffer | null>;
  /** Every object under a prefix, in key order. */
  list(prefix: string): Promise<StoredObject[]>;
  /** A URL that reads one object for a limited time (presigned in S3, file:// locally). */
  readUrl(key: string, expiresInSeconds: number): Promise<string>;
}

/** The MIME content type of a report artifact, from its file name. */
export function contentTypeOf(key: string): string {
  const ext = key.slice(key.lastIndexOf('.') + 1).toLowerCase();
  const types: Record<string, string> = {
    json: 'application/json; charset=utf-8',
    html: 'text/html; charset=utf-8',
    eml: 'message/rfc822',
    png: 'image/png',
    csv: 'text/csv; charset=utf-8',
  };
  return types[ext] ?? 'application/octet-stream';
}
