// A round scored by hand (greeting, situation handling, talent): no questions; the teams perform
// while the round's title is on stage and the MC enters each team's points with a reason. Only
// the words around the round's title are its own: the rest is the pages' generic round intro,
// scoreboard and rankings.

export default {
  name: 'scored',
  phone: () => ({
    /** Under "Get ready: …" on a team phone, when the round has no description of its own. */
    introSub: 'st.round_scored_sub',
  }),
  control: () => ({
    /** What the MC does while the round's title is on stage. */
    introNote: 'control.intro_scored',
  }),
  screen: () => ({}),
};
