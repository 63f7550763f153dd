// Coalesces render requests into one per animation frame: however many hub messages arrive between
// two frames, the page is drawn once. DOM-free: the frame source is injected (requestAnimationFrame
// in the page, a manual pump in the tests). A hidden tab gets no frames; the model keeps absorbing
// messages and the first frame after it is shown draws the latest state.

export type FrameRequest = (callback: () => void) => unknown;

export class FrameScheduler {
  private pending = false;
  private frames = 0;

  constructor(private readonly render: () => void, private readonly request: FrameRequest) {}

  /** Asks for a render on the next frame; a no-op when one is already asked for. */
  schedule(): void {
    if (this.pending) return;
    this.pending = true;
    this.request(() => {
      this.pending = false;
      this.frames++;
      this.render();
    });
  }

  /** Renders run so far. */
  get renderCount(): number { return this.frames; }
  get isPending(): boolean { return this.pending; }
}
