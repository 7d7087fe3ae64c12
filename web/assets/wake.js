// Keeps a team phone's screen on while it is joined: a dimmed phone loses the race.
//
// The Screen Wake Lock API where the browser gives it. On the venue's LAN the page is plain
// http, not a secure context, so `navigator.wakeLock` is usually missing: then a playing video,
// which browsers keep the screen on for. Their rules decide how it is made:
// - Chromium (Android) keeps the screen on for a playing video that has video frames and is
//   either at least 20 % of the viewport and 75 % on screen, or audible (an audio track, not
//   muted): the video covers the viewport, almost transparent and behind the page.
// - WebKit (iOS) only for a video with video *and* audio tracks, not muted, volume > 0, and
//   without the `loop` attribute; unmuting needs a tap.
// No file is needed, so nothing is fetched and the page's CSP (media from 'self' only, no blob:
// nor data:) stays as it is: the frames come from a tiny canvas (captureStream) and, from the
// first tap on, a silent Web Audio track. Before that tap (a phone reloaded mid-contest) the
// video plays muted, which is enough for Chromium.
//
// `document.body.dataset.wake` says what holds the screen: `lock`, `video`, or `none` (it could
// not; the page shows a discreet note). Tests read it.

const FRAME_MS = 500; // a new frame now and then keeps the stream "playing"

export function createWakeKeeper({ onChange = () => {} } = {}) {
  let wanted = false;
  let method = null; // 'lock' | 'video' | 'none' | null (not tried yet)
  let sentinel = null; // the WakeLockSentinel held
  let requesting = false;
  let video = null;
  let canvas = null;
  let frameTimer = null;
  let audio = null; // {context, track} once a tap allowed it
  let unlocked = false; // the video played unmuted from a tap: iOS lets it play again later

  function set(next) {
    if (method === next) return;
    method = next;
    if (next) document.body.dataset.wake = next;
    else delete document.body.dataset.wake;
    onChange(next);
  }

  async function acquire() {
    if (!wanted || document.visibilityState !== 'visible') return;
    if ('wakeLock' in navigator && navigator.wakeLock) {
      if (sentinel && !sentinel.released) {
        set('lock');
        return;
      }
      if (requesting) return;
      requesting = true;
      try {
        sentinel = await navigator.wakeLock.request('screen');
        requesting = false;
        // Released by the browser when the page is hidden: taken again when it is back.
        sentinel.addEventListener('release', () => {
          if (method === 'lock') set(null);
          if (wanted && document.visibilityState === 'visible') acquire();
        });
        if (!wanted) {
          release();
          return;
        }
        stopVideo();
        set('lock');
        return;
      } catch {
        // Refused (a policy, battery saver): the video may still do it.
        requesting = false;
      }
    }
    playVideo();
  }

  function makeVideo() {
    if (video) return true;
    canvas = document.createElement('canvas');
    canvas.width = 16;
    canvas.height = 16;
    if (typeof canvas.captureStream !== 'function') return false;
    video = document.createElement('video');
    video.className = 'wake-video';
    video.muted = true;
    video.playsInline = true;
    video.setAttribute('playsinline', '');
    video.setAttribute('aria-hidden', 'true');
    video.disablePictureInPicture = true;
    video.tabIndex = -1;
    video.addEventListener('playing', () => {
      if (wanted && method !== 'lock') set('video');
    });
    video.addEventListener('pause', () => {
      if (method === 'video') set('none');
    });
    document.body.append(video);
    setSource();
    drawFrame();
    return true;
  }

  /** The canvas's frames, with the silent audio track once a tap allowed one. */
  function setSource() {
    const tracks = canvas.captureStream().getVideoTracks();
    if (audio) tracks.push(audio.track);
    video.srcObject = new MediaStream(tracks);
  }

  function drawFrame() {
    const g = canvas.getContext('2d');
    g.fillStyle = g.fillStyle === '#000000' ? '#010101' : '#000000';
    g.fillRect(0, 0, canvas.width, canvas.height);
  }

  function playVideo() {
    if (!makeVideo()) {
      set('none');
      return;
    }
    drawFrame();
    clearInterval(frameTimer);
    frameTimer = setInterval(drawFrame, FRAME_MS);
    if (!video.paused && method === 'video') return;
    video.play().then(() => {
      if (!wanted) stopVideo();
    }, () => {
      // Not allowed yet (no tap, a power saver): the next tap tries again.
      if (wanted && method !== 'lock') set('none');
    });
  }

  function stopVideo() {
    clearInterval(frameTimer);
    frameTimer = null;
    if (video && !video.paused) video.pause();
  }

  function release() {
    const held = sentinel;
    sentinel = null;
    if (held && !held.released) held.release().catch(() => {});
  }

  /**
   * A tap or a key: the moment browsers allow sound. Adds the silent audio track and unmutes, as
   * WebKit asks, and retries whatever failed for want of a gesture.
   */
  function onGesture() {
    // Without the API the video will be needed: bless it now, on the tap that joins (iOS lets
    // a video that once played from a tap play again without one).
    const lockable = 'wakeLock' in navigator && navigator.wakeLock;
    if (!unlocked && method !== 'lock' && (!lockable || method === 'none')
      && typeof AudioContext === 'function' && makeVideo()) {
      try {
        if (!audio) {
          const context = new AudioContext();
          const silent = context.createMediaStreamDestination();
          // Nothing connected to it: its track carries silence.
          audio = { context, track: silent.stream.getAudioTracks()[0] };
          if (audio.track) setSource();
        }
        audio.context.resume().catch(() => {});
        video.muted = false;
        video.play().then(() => {
          unlocked = true;
          if (!wanted) stopVideo();
        }, () => {
          video.muted = true; // at least the muted video, which Chromium honours
          if (wanted) playVideo();
        });
      } catch {
        // No audio: the muted video stays.
      }
    }
    if (wanted && method !== 'lock' && method !== 'video') acquire();
  }

  for (const type of ['pointerdown', 'keydown', 'click']) {
    document.addEventListener(type, onGesture, { capture: true, passive: true });
  }
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible') acquire();
  });

  return {
    /** The team joined: keep the screen on from now on. */
    start() {
      wanted = true;
      acquire();
    },
    /** Left the team: let the screen sleep. */
    stop() {
      wanted = false;
      release();
      stopVideo();
      set(null);
    },
    /** 'lock' | 'video' | 'none' | null. */
    get method() {
      return method;
    },
  };
}
