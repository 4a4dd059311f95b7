# frozen_string_literal: true

module TwitchConduits
  # Every failure of the library: `code` is the tc_status (negative),
  # `name` its C name, `http_status` the HTTP status (0 when none).
  class Error < StandardError
    attr_reader :code, :name, :http_status
    # For Partial: the per-item results (ShardUpdateResult / BatchResult).
    attr_accessor :result

    def initialize(message = nil, code: -1, name: nil, http_status: 0, result: nil)
      super(message.nil? || message.empty? ? Native.tc_strerror(code) : message)
      @code = code
      @name = name || "TC_ERROR"
      @http_status = http_status
      @result = result
    end

    # The exception for a status code (nil for TC_OK).
    def self.for(code, message = nil, http_status: 0, result: nil)
      return nil if code.nil? || code.zero?

      klass, cname = CODES.fetch(code, [Error, "TC_ERROR"])
      klass.new(message, code: code, name: cname, http_status: http_status, result: result)
    end

    # The exception for the last bridge call that returned NULL.
    def self.last
      self.for(Native.tcb_last_status.nonzero? || -1, Native.tcbr_last_error)
    end

    # Raise unless status is TC_OK.
    def self.check(status, message = nil)
      err = self.for(status, message || Native.tcbr_last_error)
      raise err if err

      status
    end
  end

  CODES = {}
  {
    -1 => %i[InternalError TC_ERROR], -2 => %i[InvalidArgument TC_EINVAL], -3 => %i[NoMemory TC_ENOMEM],
    -4 => %i[VersionMismatch TC_EVERSION], -5 => %i[Canceled TC_ECANCELED], -6 => %i[TimedOut TC_ETIMEDOUT],
    -7 => %i[NetworkError TC_ENETWORK], -8 => %i[TLSError TC_ETLS], -9 => %i[HTTPError TC_EHTTP],
    -10 => %i[AuthError TC_EAUTH], -11 => %i[Forbidden TC_EFORBIDDEN], -12 => %i[NotFound TC_ENOTFOUND],
    -13 => %i[Conflict TC_ECONFLICT], -14 => %i[RateLimited TC_ERATELIMIT], -15 => %i[ServerError TC_ESERVER],
    -16 => %i[ProtocolError TC_EPROTOCOL], -17 => %i[Closed TC_ECLOSED], -18 => %i[Reentrant TC_EREENTRANT],
    -19 => %i[Busy TC_EBUSY], -20 => %i[TooLarge TC_ETOOLARGE], -21 => %i[UserAbort TC_EUSER],
    -22 => %i[BadRequest TC_EBADREQUEST], -23 => %i[Gone TC_EGONE], -24 => %i[Partial TC_EPARTIAL],
    -25 => %i[NoCredentials TC_ENOCREDENTIALS], -26 => %i[NotSupported TC_ENOTSUPPORTED],
    -27 => %i[SignatureError TC_ESIGNATURE], -28 => %i[Stale TC_ESTALE]
  }.each do |code, (klass, cname)|
    const_set(klass, Class.new(Error)) unless const_defined?(klass, false)
    CODES[code] = [const_get(klass), cname.to_s]
  end
  CODES.freeze
end
