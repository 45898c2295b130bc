/**
 * What a person can do on the page; main.ts implements each as server
 * requests plus store events, the views only call them.
 */
export interface Actions {
  selectJob(id: string): void;
  /** Opens a node of the job's tree: its children are listed. */
  openNode(path: string[]): void;
  selectActor(id: string): void;
  selectEntry(seq: number): void;
  selectMachine(name: string): void;
  jobsPage(offset: number): void;
  childrenPage(offset: number): void;
  command(name: 'pause' | 'unpause' | 'retry', id: string): void;
  /**
   * The selected batch job's exception queue: the next page (after the last row's item) or the previous
   * one (the cursors come back off a stack), open ones only or all, and reading the DAG and queue again.
   */
  exceptionsPage(direction: 'next' | 'previous'): void;
  showResolved(all: boolean): void;
  refreshBatch(): void;
  /** Resolves an exception of the selected batch job; rejects with the server's error. */
  resolve(item: string, value: unknown): Promise<void>;
  reprocess(): void;
}

/** A part of the page that redraws itself from the state when the parts it shows change. */
export interface View {
  readonly element: HTMLElement;
  update(state: import('./page-store.js').PageState): void;
}
