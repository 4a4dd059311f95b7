# frozen_string_literal: true

module TwitchConduits
  VERSION = "0.1.0"
end
