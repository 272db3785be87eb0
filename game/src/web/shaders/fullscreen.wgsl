// The vertex stage of every full-screen pass (tonemapping, blit): one triangle that covers the
// viewport, drawn with three vertices and no vertex buffer. Vertex 0 is the top-left corner,
// 1 sits one viewport below the bottom edge, 2 one viewport right of the right edge, so the
// visible rectangle is exactly uv 0..1. Tonemapping and blit import this interface by name.
#define_import_path bevy_core_pipeline::fullscreen_vertex_shader

struct FullscreenVertexOutput {
    @builtin(position) position: vec4<f32>,
    @location(0) uv: vec2<f32>,
};

@vertex
fn fullscreen_vertex_shader(@builtin(vertex_index) index: u32) -> FullscreenVertexOutput {
    let uv = vec2<f32>(f32(index >> 1u), f32(index & 1u)) * 2.0;
    let clip = vec4<f32>(uv.x * 2.0 - 1.0, 1.0 - uv.y * 2.0, 0.0, 1.0);
    return FullscreenVertexOutput(clip, uv);
}
