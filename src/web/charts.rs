//! A time-series chart drawn with plotters on a canvas found by node
//! reference (never by id, so two app instances never draw on each other's
//! canvases).

use plotters::prelude::*;
use plotters_canvas::CanvasBackend;
use std::rc::Rc;
use web_sys::HtmlCanvasElement;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct ChartProps {
    pub title: &'static str,
    /// Points as (virtual seconds, value).
    pub points: Rc<Vec<(f64, f64)>>,
    /// The line colour as RGB.
    pub color: (u8, u8, u8),
    pub dark: bool,
    pub unit: &'static str,
}

#[function_component(Chart)]
pub fn chart(p: &ChartProps) -> Html {
    let canvas = use_node_ref();
    {
        let canvas = canvas.clone();
        let points = p.points.clone();
        let color = p.color;
        let dark = p.dark;
        use_effect_with((points, color, dark), move |(points, color, dark)| {
            // Drawn in a task of its own, after the page has painted: reading
            // the canvas size forces a layout, which must not hold up the
            // first render (or any frame of the simulation).
            let (points, color, dark) = (points.clone(), *color, *dark);
            let task = gloo::timers::callback::Timeout::new(0, move || {
                if let Some(c) = canvas.cast::<HtmlCanvasElement>() {
                    // Draw at the device's pixel ratio for crisp lines.
                    let ratio = gloo::utils::window().device_pixel_ratio().clamp(1.0, 3.0);
                    let w = c.client_width().max(120) as f64;
                    let h = c.client_height().max(80) as f64;
                    c.set_width((w * ratio) as u32);
                    c.set_height((h * ratio) as u32);
                    let _ = draw(c, &points, color, dark, ratio);
                }
            });
            // Dropping the handle cancels a draw that has not happened yet.
            move || drop(task)
        });
    }
    let last = p.points.last().map(|x| x.1).unwrap_or(0.0);
    html! {
        <figure class="chart">
            <figcaption>
                <span>{p.title}</span>
                <strong>{format!("{} {}", fmt_num(last), p.unit)}</strong>
            </figcaption>
            <canvas ref={canvas} role="img" aria-label={format!("{} chart, latest {} {}", p.title, fmt_num(last), p.unit)} />
        </figure>
    }
}

/// A number with at most one decimal, thousands kept short.
pub fn fmt_num(v: f64) -> String {
    if v.abs() >= 10_000.0 {
        format!("{:.1}k", v / 1000.0)
    } else if v.fract() == 0.0 || v.abs() >= 100.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    }
}

fn draw(c: HtmlCanvasElement, points: &[(f64, f64)], color: (u8, u8, u8), dark: bool, ratio: f64) -> Option<()> {
    let backend = CanvasBackend::with_canvas_object(c)?;
    let root = backend.into_drawing_area();
    let (bg, fg, grid) = if dark {
        (RGBColor(0x16, 0x1b, 0x22), RGBColor(0x8b, 0x94, 0x9e), RGBColor(0x2a, 0x31, 0x3a))
    } else {
        (RGBColor(0xff, 0xff, 0xff), RGBColor(0x57, 0x60, 0x6a), RGBColor(0xea, 0xee, 0xf2))
    };
    root.fill(&bg).ok()?;
    let (x0, x1) = match (points.first(), points.last()) {
        (Some(a), Some(b)) if b.0 > a.0 => (a.0, b.0),
        (Some(a), _) => (a.0, a.0 + 1.0),
        _ => (0.0, 1.0),
    };
    let ymax = points.iter().map(|p| p.1).fold(0.0f64, f64::max);
    let ymax = if ymax <= 0.0 { 1.0 } else { ymax * 1.15 };
    let font = (12.0 * ratio) as u32;
    let line = RGBColor(color.0, color.1, color.2);
    let mut chart = ChartBuilder::on(&root)
        .margin((6.0 * ratio) as u32)
        .x_label_area_size((18.0 * ratio) as u32)
        .y_label_area_size((40.0 * ratio) as u32)
        .build_cartesian_2d(x0..x1, 0.0..ymax)
        .ok()?;
    chart
        .configure_mesh()
        .light_line_style(bg)
        .bold_line_style(grid)
        .axis_style(grid)
        .x_labels(4)
        .y_labels(4)
        .label_style(("sans-serif", font).into_font().color(&fg))
        .x_label_formatter(&|x| format!("{x:.0}s"))
        .y_label_formatter(&|y| fmt_num(*y))
        .draw()
        .ok()?;
    chart
        .draw_series(
            AreaSeries::new(points.iter().copied(), 0.0, line.mix(0.15))
                .border_style(line.stroke_width((2.0 * ratio) as u32)),
        )
        .ok()?;
    root.present().ok()?;
    Some(())
}
