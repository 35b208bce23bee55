// Line chart of loss over steps, drawn as SVG with no library.
//
// LossChart.render(container, series) replaces the container's content with
// a legend and an SVG chart. Each series is {key, label, points: [[step,
// value], ...] sorted by step, className}. Text is set with textContent only:
// nothing from the data is ever parsed as markup.
"use strict";

(function () {
  const SVG_NS = "http://www.w3.org/2000/svg";
  const HEIGHT = 300;
  const MARGIN = { top: 14, right: 22, bottom: 40, left: 64 };
  // Series with at most this many points also get a dot per point.
  const MAX_MARKERS = 60;

  function svg(tag, attributes) {
    const node = document.createElementNS(SVG_NS, tag);
    for (const [name, value] of Object.entries(attributes || {})) {
      node.setAttribute(name, String(value));
    }
    return node;
  }

  // Round numbers for axis ticks ("nice numbers", Heckbert 1990).
  function niceStep(span, count) {
    const raw = span / Math.max(1, count);
    const power = Math.pow(10, Math.floor(Math.log10(raw)));
    const fraction = raw / power;
    for (const nice of [1, 2, 5]) {
      if (fraction <= nice) return nice * power;
    }
    return 10 * power;
  }

  // Tick values inside [low, high]; minStep keeps step ticks on whole numbers.
  function ticks(low, high, count, minStep) {
    const step = Math.max(niceStep(high - low, count), minStep || 0);
    const first = Math.ceil(low / step) * step;
    const values = [];
    for (let value = first; value <= high + step * 1e-9; value += step) {
      values.push(Math.abs(value) < step * 1e-9 ? 0 : value);
    }
    return { values, step };
  }

  function tickLabel(value, step) {
    if (Math.abs(value) >= 10000) {
      return Math.abs(value) >= 1e6 ? (value / 1e6).toFixed(1) + "M" : (value / 1e3).toFixed(value % 1000 ? 1 : 0) + "k";
    }
    const decimals = Math.max(0, Math.min(6, -Math.floor(Math.log10(step))));
    return value.toFixed(decimals);
  }

  function domain(series, index) {
    let low = Infinity;
    let high = -Infinity;
    for (const item of series) {
      for (const point of item.points) {
        low = Math.min(low, point[index]);
        high = Math.max(high, point[index]);
      }
    }
    if (low === high) {
      const pad = Math.abs(low) * 0.1 || 1;
      return [low - pad, high + pad];
    }
    return [low, high];
  }

  function formatLoss(value) {
    return Math.abs(value) >= 100 ? value.toFixed(1) : value.toFixed(4);
  }

  function legend(series) {
    const box = document.createElement("div");
    box.className = "chart-legend";
    for (const item of series) {
      const entry = document.createElement("span");
      entry.className = "legend-entry " + item.className;
      entry.dataset.series = item.key;
      const swatch = document.createElement("span");
      swatch.className = "swatch";
      entry.appendChild(swatch);
      const last = item.points[item.points.length - 1];
      const text = last
        ? `${item.label}: ${formatLoss(last[1])} at step ${last[0]}`
        : `${item.label}: no values yet`;
      entry.appendChild(document.createTextNode(text));
      box.appendChild(entry);
    }
    return box;
  }

  function pathData(points, x, y) {
    let data = "";
    points.forEach((point, index) => {
      data += (index === 0 ? "M" : "L") + x(point[0]).toFixed(1) + "," + y(point[1]).toFixed(1);
    });
    return data;
  }

  function nearestIndex(points, step) {
    let low = 0;
    let high = points.length - 1;
    while (high - low > 1) {
      const middle = (low + high) >> 1;
      if (points[middle][0] < step) low = middle;
      else high = middle;
    }
    return Math.abs(points[low][0] - step) <= Math.abs(points[high][0] - step) ? low : high;
  }

  function render(container, series) {
    const shown = series.filter((item) => item.points.length > 0);
    container.replaceChildren(legend(series));
    const width = Math.max(320, container.clientWidth || 640);
    const chart = svg("svg", {
      class: "chart",
      viewBox: `0 0 ${width} ${HEIGHT}`,
      width: width,
      height: HEIGHT,
      role: "img",
      "aria-label": "loss over training steps",
    });
    container.appendChild(chart);

    if (shown.length === 0) {
      const empty = svg("text", { x: width / 2, y: HEIGHT / 2, class: "chart-empty", "text-anchor": "middle" });
      empty.textContent = "No loss values yet: the chart fills in as the daemon logs steps.";
      chart.appendChild(empty);
      return;
    }

    const [stepLow, stepHigh] = domain(shown, 0);
    const [lossLow, lossHigh] = domain(shown, 1);
    const lossPad = (lossHigh - lossLow) * 0.06;
    const yLow = lossLow - lossPad;
    const yHigh = lossHigh + lossPad;
    const plotWidth = width - MARGIN.left - MARGIN.right;
    const plotHeight = HEIGHT - MARGIN.top - MARGIN.bottom;
    const x = (step) => MARGIN.left + ((step - stepLow) / (stepHigh - stepLow)) * plotWidth;
    const y = (value) => MARGIN.top + (1 - (value - yLow) / (yHigh - yLow)) * plotHeight;
    const stepOf = (pixel) => stepLow + ((pixel - MARGIN.left) / plotWidth) * (stepHigh - stepLow);

    const grid = svg("g", { class: "grid" });
    const yTicks = ticks(yLow, yHigh, 5);
    for (const value of yTicks.values) {
      grid.appendChild(svg("line", { x1: MARGIN.left, x2: width - MARGIN.right, y1: y(value), y2: y(value) }));
      const label = svg("text", { x: MARGIN.left - 8, y: y(value) + 4, "text-anchor": "end", class: "tick y-tick" });
      label.textContent = tickLabel(value, yTicks.step);
      grid.appendChild(label);
    }
    const xTicks = ticks(stepLow, stepHigh, Math.max(2, Math.floor(plotWidth / 90)), 1);
    for (const value of xTicks.values) {
      grid.appendChild(svg("line", { class: "x-grid", x1: x(value), x2: x(value), y1: MARGIN.top, y2: HEIGHT - MARGIN.bottom }));
      const label = svg("text", { x: x(value), y: HEIGHT - MARGIN.bottom + 16, "text-anchor": "middle", class: "tick x-tick" });
      label.textContent = tickLabel(value, xTicks.step);
      grid.appendChild(label);
    }
    chart.appendChild(grid);
    chart.appendChild(svg("rect", { class: "frame", x: MARGIN.left, y: MARGIN.top, width: plotWidth, height: plotHeight }));

    const stepTitle = svg("text", { x: MARGIN.left + plotWidth / 2, y: HEIGHT - 6, "text-anchor": "middle", class: "axis-title" });
    stepTitle.textContent = "step";
    chart.appendChild(stepTitle);
    const lossTitle = svg("text", {
      x: 14, y: MARGIN.top + plotHeight / 2, "text-anchor": "middle", class: "axis-title",
      transform: `rotate(-90 14 ${MARGIN.top + plotHeight / 2})`,
    });
    lossTitle.textContent = "loss";
    chart.appendChild(lossTitle);

    for (const item of shown) {
      const group = svg("g", { class: "series " + item.className, "data-series": item.key, "data-points": item.points.length });
      group.appendChild(svg("path", { d: pathData(item.points, x, y), class: "line" }));
      const markers = item.points.length <= MAX_MARKERS ? item.points : [item.points[item.points.length - 1]];
      for (const point of markers) {
        group.appendChild(svg("circle", { cx: x(point[0]), cy: y(point[1]), r: 3, class: "marker" }));
      }
      chart.appendChild(group);
    }

    addHover(chart, shown, x, stepOf, { plotWidth, plotHeight });
  }

  // A vertical guide and a readout of every series at the step nearest the pointer.
  function addHover(chart, shown, x, stepOf, size) {
    const guide = svg("line", { class: "hover-guide", y1: MARGIN.top, y2: MARGIN.top + size.plotHeight, visibility: "hidden" });
    const readout = svg("g", { class: "hover-readout", visibility: "hidden" });
    const box = svg("rect", { rx: 4, ry: 4, height: 20 + 16 * shown.length });
    readout.appendChild(box);
    const lines = [svg("text", { x: 8, y: 15 })];
    shown.forEach((item, index) => lines.push(svg("text", { x: 8, y: 31 + 16 * index, class: item.className })));
    lines.forEach((line) => readout.appendChild(line));
    const overlay = svg("rect", {
      class: "hover-area", x: MARGIN.left, y: MARGIN.top, width: size.plotWidth, height: size.plotHeight,
    });
    chart.append(guide, readout, overlay);

    const stepAt = (clientX) => {
      const bounds = chart.getBoundingClientRect();
      const scale = chart.viewBox.baseVal.width / bounds.width;
      return stepOf((clientX - bounds.left) * scale);
    };

    overlay.addEventListener("mousemove", (event) => {
      const step = stepAt(event.clientX);
      const anchor = shown[0].points[nearestIndex(shown[0].points, step)];
      guide.setAttribute("x1", x(anchor[0]));
      guide.setAttribute("x2", x(anchor[0]));
      lines[0].textContent = `step ${anchor[0]}`;
      shown.forEach((item, index) => {
        const point = item.points[nearestIndex(item.points, anchor[0])];
        lines[index + 1].textContent = `${item.label} ${formatLoss(point[1])}` + (point[0] === anchor[0] ? "" : ` (step ${point[0]})`);
      });
      const widest = Math.max(...lines.map((line) => line.getComputedTextLength()));
      box.setAttribute("width", widest + 16);
      const right = x(anchor[0]) + 12 + widest + 16 < MARGIN.left + size.plotWidth;
      const left = right ? x(anchor[0]) + 12 : x(anchor[0]) - 12 - widest - 16;
      readout.setAttribute("transform", `translate(${left} ${MARGIN.top + 6})`);
      guide.setAttribute("visibility", "visible");
      readout.setAttribute("visibility", "visible");
    });
    overlay.addEventListener("mouseleave", () => {
      guide.setAttribute("visibility", "hidden");
      readout.setAttribute("visibility", "hidden");
    });
  }

  window.LossChart = { render, ticks };
})();
