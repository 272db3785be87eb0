//! The Bevy plugins the browser game runs, listed one by one instead of `DefaultPlugins`.
//!
//! Every plugin brings its systems, reflected types and shaders into the download, whether or
//! not the game uses them. `DefaultPlugins` with our features adds, among others, the whole 3D
//! post-processing stack (bloom, depth of field, motion blur, SMAA, FXAA, CAS, OIT, skybox,
//! mip generation), sprites next to 2D meshes, gamepad input and a log filter built on
//! `regex`; the game draws flat 2D shapes and only needs warnings in the console.
//! `size-report.txt` shows what this list costs.

use bevy::app::{PanicHandlerPlugin, PluginGroupBuilder};
use bevy::asset::AssetPlugin;
use bevy::core_pipeline::blit::BlitPlugin;
use bevy::core_pipeline::core_2d::Core2dPlugin;
use bevy::core_pipeline::fullscreen_vertex_shader::FULLSCREEN_SHADER_HANDLE;
use bevy::core_pipeline::tonemapping::TonemappingPlugin;
use bevy::core_pipeline::upscaling::UpscalingPlugin;
use bevy::diagnostic::FrameCountPlugin;
use bevy::prelude::*;
use bevy::render::RenderPlugin;
use bevy::render::render_resource::Shader;
use bevy::render::texture::ImagePlugin;
use bevy::time::TimePlugin;
use bevy::transform::TransformPlugin;
use bevy::winit::WinitPlugin;

/// `DefaultPlugins` for this game: the same engine, minus what a 2D game drawn with coloured
/// meshes, without text, audio, scenes or 3D, never calls. Configured like `DefaultPlugins`
/// (`.set(BrowserWindowPlugin { .. })`).
pub struct EnginePlugins;

impl PluginGroup for EnginePlugins {
    fn build(self) -> PluginGroupBuilder {
        PluginGroupBuilder::start::<Self>()
            .add(PanicHandlerPlugin)
            .add(WarningsToConsolePlugin)
            .add(TaskPoolPlugin::default())
            // The overlay's screens are a Bevy state (`hud::Screen`).
            .add(bevy::state::app::StatesPlugin)
            // The renderer reads the frame count (and the first-frame mark does).
            .add(FrameCountPlugin)
            .add(TimePlugin)
            .add(TransformPlugin)
            .add(BrowserInputPlugin)
            .add(BrowserWindowPlugin::default())
            // winit's window code expects the accessibility resources.
            .add(bevy::a11y::AccessibilityPlugin)
            .add(AssetPlugin::default())
            .add(WinitPlugin::<bevy::winit::WakeUp>::default())
            .add(RenderPlugin::default())
            .add(ImagePlugin::default())
            .add(Core2dPipelinePlugin)
            .add(ShapesPlugin)
    }
}

/// `WindowPlugin` for one canvas in a page: the window events winit sends and the primary
/// window, without the type registrations. `WindowPlugin` registers every window event for
/// reflection, and with `WindowEvent` the reflection (and serde) code of every input event it
/// wraps, down to each of the ~300 logical keys: nothing in the game reflects on them.
/// A canvas is never closed by its page, so there are no exit-on-close systems either.
#[derive(Default)]
pub struct BrowserWindowPlugin {
    pub primary_window: Window,
}

impl Plugin for BrowserWindowPlugin {
    fn build(&self, app: &mut App) {
        use bevy::window::{
            AppLifecycle, CursorEntered, CursorLeft, CursorMoved, FileDragAndDrop, Ime,
            PrimaryWindow, RawHandleWrapperHolder, RequestRedraw, WindowBackendScaleFactorChanged,
            WindowCloseRequested, WindowClosed, WindowClosing, WindowCreated, WindowDestroyed,
            WindowEvent, WindowFocused, WindowMoved, WindowOccluded, WindowResized,
            WindowScaleFactorChanged, WindowThemeChanged,
        };
        use std::sync::{Arc, Mutex};

        // The events `WindowPlugin` adds: winit's event loop writes all of them.
        app.add_event::<WindowEvent>()
            .add_event::<WindowResized>()
            .add_event::<WindowCreated>()
            .add_event::<WindowClosing>()
            .add_event::<WindowClosed>()
            .add_event::<WindowCloseRequested>()
            .add_event::<WindowDestroyed>()
            .add_event::<RequestRedraw>()
            .add_event::<CursorMoved>()
            .add_event::<CursorEntered>()
            .add_event::<CursorLeft>()
            .add_event::<Ime>()
            .add_event::<WindowFocused>()
            .add_event::<WindowOccluded>()
            .add_event::<WindowScaleFactorChanged>()
            .add_event::<WindowBackendScaleFactorChanged>()
            .add_event::<FileDragAndDrop>()
            .add_event::<WindowMoved>()
            .add_event::<WindowThemeChanged>()
            .add_event::<AppLifecycle>();
        app.world_mut().spawn((
            self.primary_window.clone(),
            PrimaryWindow,
            RawHandleWrapperHolder(Arc::new(Mutex::new(None))),
        ));
    }
}

/// The 2D half of `CorePipelinePlugin`: the 2D render graph, tonemapping (the 2D mesh
/// pipeline binds its lookup tables) and the upscaling pass that writes to the window,
/// nothing of 3D.
struct Core2dPipelinePlugin;

impl Plugin for Core2dPipelinePlugin {
    fn build(&self, app: &mut App) {
        // Tonemapping and the blit pipeline draw a full-screen triangle with this vertex
        // shader, which `CorePipelinePlugin` would have loaded.
        let mut shaders = app.world_mut().resource_mut::<Assets<Shader>>();
        shaders.insert(
            FULLSCREEN_SHADER_HANDLE.id(),
            Shader::from_wgsl(
                include_str!("shaders/fullscreen.wgsl"),
                "shaders/fullscreen.wgsl",
            ),
        );
        app.add_plugins((Core2dPlugin, BlitPlugin, TonemappingPlugin, UpscalingPlugin));
    }
}

/// Warnings and errors, from the engine (`tracing`) and from wgpu (`log`), in the browser
/// console. Lower levels are compiled out of the web build (`release_max_level_warn`), so a
/// level filter is all that is needed: Bevy's `LogPlugin` would also bring `EnvFilter` and
/// with it a regex engine, for a filter string a browser cannot set.
struct WarningsToConsolePlugin;

impl Plugin for WarningsToConsolePlugin {
    fn build(&self, _app: &mut App) {
        use tracing_subscriber::layer::SubscriberExt;
        let subscriber = tracing_subscriber::registry()
            .with(tracing_subscriber::filter::LevelFilter::WARN)
            .with(tracing_wasm::WASMLayer::new(
                tracing_wasm::WASMLayerConfig::default(),
            ));
        // Only the first app in a page can set them; the game has one.
        let _ = tracing::subscriber::set_global_default(subscriber);
        let _ = tracing_log::LogTracer::init();
    }
}

/// What `InputPlugin` does for a browser: the input events winit forwards (every one must
/// exist, or winit's forwarding fails), and the keyboard state the game reads. Not gamepads:
/// Bevy reads those through gilrs, which the web build does not include; not reflection.
struct BrowserInputPlugin;

impl Plugin for BrowserInputPlugin {
    fn build(&self, app: &mut App) {
        use bevy::input::InputSystem;
        use bevy::input::gestures::{DoubleTapGesture, PanGesture, PinchGesture, RotationGesture};
        use bevy::input::keyboard::{KeyboardFocusLost, KeyboardInput, keyboard_input_system};
        use bevy::input::mouse::{MouseButtonInput, MouseMotion, MouseWheel};
        use bevy::input::touch::TouchInput;

        app.add_event::<KeyboardInput>()
            .add_event::<KeyboardFocusLost>()
            .add_event::<MouseButtonInput>()
            .add_event::<MouseMotion>()
            .add_event::<MouseWheel>()
            .add_event::<PinchGesture>()
            .add_event::<RotationGesture>()
            .add_event::<DoubleTapGesture>()
            .add_event::<PanGesture>()
            .add_event::<TouchInput>()
            .init_resource::<ButtonInput<KeyCode>>()
            .add_systems(PreUpdate, keyboard_input_system.in_set(InputSystem));
    }
}

/// The 2D-mesh half of `SpritePlugin`: meshes with a colour material, which is all the game
/// draws (its rectangles are meshes too, `visuals.rs`), without the sprite pipeline, texture
/// atlases and nine-slicing. Entities get no bounding box, so none is culled: the camera
/// always shows the whole pitch.
struct ShapesPlugin;

impl Plugin for ShapesPlugin {
    fn build(&self, app: &mut App) {
        use bevy::core_pipeline::core_2d::{AlphaMask2d, Opaque2d};
        use bevy::render::batching::sort_binned_render_phase;
        use bevy::render::{Render, RenderApp, RenderSet};
        use bevy::sprite::{ColorMaterialPlugin, Mesh2dRenderPlugin};

        app.add_plugins((Mesh2dRenderPlugin, ColorMaterialPlugin));
        // `SpritePlugin` sorts the binned 2D phases for the meshes' sake; so must we.
        if let Some(render_app) = app.get_sub_app_mut(RenderApp) {
            render_app.add_systems(
                Render,
                (
                    sort_binned_render_phase::<Opaque2d>,
                    sort_binned_render_phase::<AlphaMask2d>,
                )
                    .in_set(RenderSet::PhaseSort),
            );
        }
    }
}
