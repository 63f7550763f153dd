// The dashboard's entry point: model ← hub messages, view ← model on animation frames.

import 'uplot/dist/uPlot.min.css';
import '../styles.css';

import { VERSION } from '@microsoft/signalr';

import { LiveCharts } from './charts.js';
import { createFormatters } from './format.js';
import { FrameScheduler } from './frame.js';
import { MetricsConnection } from './hub.js';
import { DashboardModel } from './model.js';
import { transportFromQuery } from './policy.js';
import { DashboardView } from './render.js';

const fmt = createFormatters();
const model = new DashboardModel();
const view = new DashboardView(document, model, fmt, new LiveCharts(document, fmt));
const frames = new FrameScheduler(() => view.render(), (cb) => requestAnimationFrame(cb));
model.onChange = () => frames.schedule();
view.setClientVersion(VERSION);

const connection = new MetricsConnection(model, { transport: transportFromQuery(location.search) });
void connection.start();
frames.schedule();

// For the console and the browser test: what is shown, and how many frames it took.
declare global {
  interface Window {
    tallyhub?: { model: DashboardModel; frames: FrameScheduler; view: DashboardView; connection: MetricsConnection };
  }
}
window.tallyhub = { model, frames, view, connection };
