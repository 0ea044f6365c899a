// Where a cloud's first database gets its data directory from. A fresh
// PostgreSQL data directory (initdb's output) is the same for every database,
// so a cloud runs initdb once and loads the rest from a dump of it; a process
// that opens many clouds (the test suite) may supply that dump instead, made
// once, so that no cloud of the process runs initdb at all.

/** Gives a fresh data directory's tarball, or undefined to have the cloud run initdb. */
export type DataDirTemplateSource = () => Promise<Blob | undefined>;

let source: DataDirTemplateSource | undefined;

/** Sets (or, with undefined, clears) the source of fresh data directories for the clouds of this process. */
export function setDataDirTemplateSource(next: DataDirTemplateSource | undefined): void {
  source = next;
}

/** A fresh data directory's tarball from the process's source, if it has one. */
export async function suppliedDataDirTemplate(): Promise<Blob | undefined> {
  return source === undefined ? undefined : source();
}
